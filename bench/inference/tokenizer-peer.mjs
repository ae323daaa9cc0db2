// Tokenizer encoding throughput: ConstitutionHub.Inference (C#) against transformers.js and Microsoft.ML.Tokenizers
// 2.0.1's BpeTokenizer (built by tokenizer-bench.cs from the same tokenizer.json), same corpus, same run.
// Builds a ~1 MB mixed corpus (prose in several scripts, code, numbers, emoji, whitespace runs), encodes it
// paragraph by paragraph with each, checks that the whole id sequences agree (a hash of every id), and prints MB/s
// and the ratio to the faster peer (goal: >= 2x). Times are CPU seconds of the encoding loop, medians of
// TOKENIZER_BENCH_PASSES (default 5) passes per side, the sides alternating (the machine is shared).
// Run from the repository root: node bench/inference/tokenizer-peer.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import url from 'node:url';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'tools', 'peer', 'package.json'));
const { AutoTokenizer, env } = await import(require.resolve('@huggingface/transformers'));
env.allowRemoteModels = false;
env.localModelPath = root + path.sep;

const pieces = [
  'The assistant reads the constitution section by section and keeps its character consistent. ',
  "It's careful, it doesn't overclaim, and they'll notice when we've changed a variant. ",
  'Le modèle répond en français avec des accents: é, è, à, ç, œ. ',
  'Der Assistent antwortet höflich und präzise über Größe und Maß. ',
  'Ассистент отвечает кратко и по существу. ',
  '助手应当诚实、有帮助，并且尊重用户。日本語の文章もあります。',
  'مرحبا، هذا نص عربي للاختبار. ',
  'Numbers 1234567 3.14159 2026-11-22 1,000,000 and 42% of 7. ',
  'Emoji 😀👍🏽👨‍👩‍👧‍👦🇫🇷 and symbols → ≤ ≥ ∞. ',
  'def encode(text):\n    return [vocab[t] for t in text.split()]  # comment\n',
  'if (x && y) { console.log(`value ${x}`); }\n',
  '    indented    with    runs   of   spaces\t\tand tabs\n',
  'https://example.com/path?query=1&x=2 mailto:someone@example.org ',
];
let seed = 7;
const rand = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
const paragraphs = [];
let size = 0;
while (size < 1_000_000) {
  let p = '';
  while (p.length < 1500) p += pieces[rand(pieces.length)];
  paragraphs.push(p);
  size += Buffer.byteLength(p, 'utf8');
}
const corpusPath = path.join(os.tmpdir(), 'constitutionhub-tokenizer-corpus.txt');
fs.writeFileSync(corpusPath, paragraphs.join('\u0001'));

// Byte-level BPE families first (the ones Microsoft.ML.Tokenizers' BpeTokenizer can also build), then the others.
const tokenizers = ['models/demo-qwen2', 'tests/tokenizers/gpt2-bytelevel', 'tests/tokenizers/smollm2-style',
  'tests/tokenizers/llama3-style', 'tests/models/tiny-llama-sp', 'tests/tokenizers/bert-wordpiece', 'tests/tokenizers/t5-unigram']
  .filter((d) => fs.existsSync(path.join(root, d, 'tokenizer.json')));
const passes = Number(process.env.TOKENIZER_BENCH_PASSES ?? 5);

// FNV-1a over every id in order, -1 between paragraphs: the same hash as tokenizer-bench.cs, so "identical ids"
// means the whole id sequence, not just the count.
function idHash(encoded) {
  let hash = 0x811c9dc5;
  let tokens = 0;
  for (const ids of encoded) {
    for (const id of ids) hash = Math.imul(hash ^ id, 16777619) >>> 0;
    hash = Math.imul(hash ^ 0xffffffff, 16777619) >>> 0;
    tokens += ids.length;
  }
  return { tokens, hash: hash.toString(16).padStart(8, '0') };
}

async function peerRuns(dir, count) {
  const seconds = [];
  let result;
  for (let pass = 0; pass < count; pass++) {
    // A fresh tokenizer each pass (empty word cache); CPU time of the encoding loop, as on the C# side.
    const fresh = await AutoTokenizer.from_pretrained(dir);
    const encoded = [];
    const start = process.cpuUsage();
    for (const p of paragraphs) encoded.push(fresh.encode(p, { add_special_tokens: false }));
    const used = process.cpuUsage(start);
    seconds.push((used.user + used.system) / 1e6);
    result = idHash(encoded);
  }
  return { ...result, seconds };
}

function oursAndMlt(count) {
  const output = execFileSync('dotnet', ['run', '-c', 'Release', path.join(root, 'bench', 'inference', 'tokenizer-bench.cs'), '--',
    corpusPath, String(count), ...tokenizers.map((d) => path.join(root, d, 'tokenizer.json'))], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  return Object.fromEntries(output.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).map((r) => [r.name, r]));
}

// Warm-up of transformers.js, then two rounds that alternate the JavaScript passes and the .NET process (ours and
// Microsoft.ML.Tokenizers, themselves alternating pass by pass), so a change of load on the shared machine falls
// on both sides.
for (const dir of tokenizers) {
  const t = await AutoTokenizer.from_pretrained(dir);
  for (const p of paragraphs.slice(0, 300)) t.encode(p, { add_special_tokens: false });
}
const peer = {};
const dotnet = {};
const half = Math.ceil(passes / 2);
for (const [round, count] of [[0, half], [1, passes - half]]) {
  if (count === 0) continue;
  for (const dir of tokenizers) {
    const runs = await peerRuns(dir, count);
    const name = path.basename(dir);
    peer[name] = peer[name] ? { ...runs, seconds: [...peer[name].seconds, ...runs.seconds] } : runs;
  }
  for (const [name, r] of Object.entries(oursAndMlt(count))) {
    if (!dotnet[name]) { dotnet[name] = r; continue; }
    dotnet[name].ours.seconds.push(...r.ours.seconds);
    if (r.mlt.seconds) dotnet[name].mlt.seconds.push(...r.mlt.seconds);
  }
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const mb = size / 1e6;
const rate = (seconds) => mb / median(seconds);
console.log(`corpus: ${paragraphs.length} paragraphs, ${mb.toFixed(2)} MB UTF-8; medians of ${passes} passes per side, CPU time`);
console.log('tokenizer      | model     | ours MB/s | transformers.js MB/s | ML.Tokenizers MB/s | ours / faster peer | identical ids');
const results = [];
for (const dir of tokenizers) {
  const name = path.basename(dir);
  const d = dotnet[name], p = peer[name];
  const model = JSON.parse(fs.readFileSync(path.join(root, dir, 'tokenizer.json'), 'utf8')).model.type ?? 'BPE';
  const ours = rate(d.ours.seconds), js = rate(p.seconds);
  const mlt = d.mlt.seconds ? rate(d.mlt.seconds) : null;
  const faster = Math.max(js, mlt ?? 0);
  const same = [d.ours.hash === p.hash ? 'transformers.js yes' : `transformers.js NO (${d.ours.tokens} vs ${p.tokens} tokens)`];
  if (mlt !== null) same.push(d.mlt.hash === d.ours.hash ? 'ML.Tokenizers yes' : `ML.Tokenizers NO (${d.mlt.tokens} tokens)`);
  results.push({ name, model, ours, js, mlt, ratio: ours / faster });
  console.log([name.padEnd(14), model.padEnd(9), ours.toFixed(2).padStart(9), js.toFixed(2).padStart(20),
    (mlt === null ? 'n/a' : mlt.toFixed(2)).padStart(18), `${(ours / faster).toFixed(2)}x`.padStart(18), same.join(', ')].join(' | '));
  if (mlt === null) console.log(`${''.padEnd(14)}   ML.Tokenizers: ${d.mlt.error}`);
}
console.log(`load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
