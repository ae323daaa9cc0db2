// Generation speed of transformers.js on a local model folder: the reference the C# engine is compared with.
// The prompt is bench/inference/peer-prompt.txt exactly as stored (no chat template, no special tokens added):
// the opening of the baseline constitution cut at a word boundary so that it is 512 tokens with the demo
// model's tokenizer. Greedy decoding of 128 new tokens (min_new_tokens = max_new_tokens, so an end-of-sequence
// token cannot stop a run early), one warm-up run and five measured runs.
//   time to first token: from the generate() call to the first new token (tokenization excluded)
//   decode tokens/s:      (new tokens - 1) / time from the first to the last new token
// Prints one JSON line. Run from anywhere:
//   node bench/inference/peer.mjs [--model models/demo-qwen2] [--dtype fp32] [--intra-op-threads 1] [--inter-op-threads 2]
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..', '..');
const peer = path.join(root, 'tools', 'peer');
const require = createRequire(path.join(peer, 'package.json'));
const { AutoModelForCausalLM, AutoTokenizer, env } = await import(require.resolve('@huggingface/transformers'));

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/demo-qwen2' },
    dtype: { type: 'string', default: 'fp32' },
    'intra-op-threads': { type: 'string', default: '1' },
    'inter-op-threads': { type: 'string', default: '2' },
    prompt: { type: 'string', default: path.join(root, 'bench', 'inference', 'peer-prompt.txt') },
    'new-tokens': { type: 'string', default: '128' },
    runs: { type: 'string', default: '5' },
  },
});
const intraOpNumThreads = Number(args['intra-op-threads']);
const interOpNumThreads = Number(args['inter-op-threads']);
const newTokens = Number(args['new-tokens']);
const runs = Number(args.runs);
const modelDir = path.resolve(args.model);
if (!fs.existsSync(path.join(modelDir, 'config.json'))) {
  console.error(`peer.mjs: no config.json in ${modelDir}`);
  process.exit(2);
}

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(modelDir) + path.sep;
const name = path.basename(modelDir);

const tokenizer = await AutoTokenizer.from_pretrained(name);
const model = await AutoModelForCausalLM.from_pretrained(name, {
  dtype: args.dtype,
  session_options: { intraOpNumThreads, interOpNumThreads },
});
const prompt = fs.readFileSync(args.prompt, 'utf8');
const inputs = tokenizer(prompt, { add_special_tokens: false });
const promptTokens = inputs.input_ids.dims[1];

// generate() calls put() once with the prompt, then once per new token.
class TimingStreamer {
  constructor() { this.calls = 0; this.times = []; }
  put() { if (this.calls++ > 0) this.times.push(performance.now()); }
  end() {}
}

async function run() {
  const streamer = new TimingStreamer();
  const started = performance.now();
  const output = await model.generate({
    ...inputs, do_sample: false, max_new_tokens: newTokens, min_new_tokens: newTokens, repetition_penalty: 1, streamer,
  });
  const generated = output.dims[1] - promptTokens;
  const { times } = streamer;
  return {
    generated,
    ttftMs: times[0] - started,
    decodeTokensPerSecond: (times.length - 1) / ((times.at(-1) - times[0]) / 1000),
  };
}

await run(); // warm-up
const results = [];
for (let i = 0; i < runs; i++) results.push(await run());

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const round = (x, digits = 2) => Number(x.toFixed(digits));
const version = (pkg) => JSON.parse(fs.readFileSync(path.join(peer, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const ttft = results.map((r) => r.ttftMs);
const tps = results.map((r) => r.decodeTokensPerSecond);
console.log(JSON.stringify({
  engine: 'transformers.js',
  transformersJs: version('@huggingface/transformers'),
  onnxruntimeNode: version('onnxruntime-node'),
  model: path.relative(root, modelDir) || modelDir,
  dtype: args.dtype,
  intraOpNumThreads,
  interOpNumThreads,
  promptTokens,
  newTokens: results[0].generated,
  runs,
  ttftMs: { median: round(median(ttft)), min: round(Math.min(...ttft)), values: ttft.map((x) => round(x)) },
  decodeTokensPerSecond: { median: round(median(tps)), max: round(Math.max(...tps)), values: tps.map((x) => round(x)) },
  peakRssMb: round(process.resourceUsage().maxRSS / 1024, 1),
}));
