// Writes tests/golden/generation-<model>.json: what transformers.js, fully offline, renders, tokenizes and
// generates greedily for a fixed set of conversations with each model under models/ and tests/models/.
// The C# engine's tests assert that it produces the same prompt, the same prompt ids and the same new tokens.
// One intra-op and one inter-op thread, so that the float sums (and with them the greedy choices) are the
// same on every run and every machine with the same ONNX Runtime build.
// Run from the repository root: node tools/peer/generation-golden.mjs   (or: npm run generation-golden)
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';

const here = path.dirname(url.fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = root + path.sep;
env.useBrowserCache = false;
env.useFSCache = false;

// The packages resolve from tools/peer/node_modules; their package.json is not exported, so read it directly.
const versionOf = (name) => JSON.parse(fs.readFileSync(path.join(here, 'node_modules', name, 'package.json'), 'utf8')).version;

// [folder, dtype, golden name]
const models = [
  ['models/demo-qwen2', 'fp32', 'demo-qwen2'],
  ['tests/models/tiny-llama-sp', 'fp32', 'tiny-llama-sp'],
  ['tests/models/tiny-llama-sp', 'fp16', 'tiny-llama-sp-fp16'],
].filter(([dir, dtype]) => fs.existsSync(path.join(root, dir, 'onnx', dtype === 'fp16' ? 'model_fp16.onnx' : 'model.onnx')));

const baseline = fs.readFileSync(path.join(root, 'src', 'ConstitutionHub.Web', 'Features', 'Constitutions',
  'baseline-constitution.md'), 'utf8');
const longSystem = baseline.split('## Purpose')[1].split('## Agreeableness')[0].replace(/:::variant \w+\n|:::\n/g, '').trim();

// User and assistant turns alternate in every conversation: Llama 2's template rejects anything else.
export const conversations = [
  {
    name: 'system-and-question',
    messages: [
      { role: 'system', content: 'You are a helpful assistant. Answer briefly.' },
      { role: 'user', content: 'What does the constitution say about honesty?' },
    ],
  },
  {
    name: 'default-system-greeting',
    messages: [{ role: 'user', content: 'Hello!' }],
  },
  {
    name: 'unicode',
    messages: [
      { role: 'system', content: 'Réponds en français, s’il te plaît.' },
      { role: 'user', content: 'Comment dit-on « merci » en japonais (ありがとう) et en russe (спасибо)? Ça va, naïve café — Ångström.' },
    ],
  },
  {
    name: 'emoji',
    messages: [{ role: 'user', content: 'Pick three emoji for a party 🎉🥳🍰 and explain 👍🏽 and 👨‍👩‍👧‍👦 in one line.' }],
  },
  {
    name: 'code-multi-turn',
    messages: [
      { role: 'system', content: 'You write short, correct code.' },
      { role: 'user', content: 'Write a Python function that adds two numbers.' },
      { role: 'assistant', content: 'Here is a short function:\n\n```python\ndef add(a, b):\n    return a + b\n```' },
      { role: 'user', content: 'Now in C#, with\ttabs and a comment: // sum\n{ }' },
    ],
  },
  {
    name: 'long-system',
    messages: [
      { role: 'system', content: longSystem },
      { role: 'user', content: 'I think the moon is made of cheese. Tell me what you think, and why, in a few sentences.' },
    ],
  },
];

const settings = { do_sample: false, max_new_tokens: 48, repetition_penalty: 1 };
const sessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

for (const [dir, dtype, name] of models) {
  const tokenizer = await AutoTokenizer.from_pretrained(dir);
  const model = await AutoModelForCausalLM.from_pretrained(dir, { dtype, session_options: sessionOptions });
  const eos = [model.generation_config?.eos_token_id ?? model.config.eos_token_id].flat();
  const cases = [];
  for (const { name: caseName, messages } of conversations) {
    const prompt = tokenizer.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true });
    const promptIds = tokenizer.apply_chat_template(messages, { tokenize: true, add_generation_prompt: true, return_tensor: false, return_dict: false })
      .flat().map(Number);
    const inputs = tokenizer(prompt, { add_special_tokens: false });
    if (inputs.input_ids.tolist()[0].map(Number).join() !== promptIds.join()) {
      throw new Error(`${name}/${caseName}: the tokenized template differs from encoding the rendered prompt`);
    }
    const output = await model.generate({ ...inputs, ...settings });
    const outputIds = output.tolist()[0].map(Number).slice(promptIds.length);
    cases.push({
      name: caseName,
      messages,
      prompt,
      promptIds,
      outputIds,
      outputText: tokenizer.decode(outputIds, { skip_special_tokens: true }),
      outputTextWithSpecialTokens: tokenizer.decode(outputIds, { skip_special_tokens: false }),
      finishReason: eos.includes(outputIds.at(-1)) ? 'stop' : 'length',
    });
  }
  await model.dispose();
  const golden = {
    generator: 'tools/peer/generation-golden.mjs',
    transformersJs: versionOf('@huggingface/transformers'),
    onnxruntimeNode: versionOf('onnxruntime-node'),
    model: dir,
    dtype,
    onnxFile: dtype === 'fp16' ? 'onnx/model_fp16.onnx' : 'onnx/model.onnx',
    sessionOptions,
    settings,
    eosTokenIds: eos,
    cases,
  };
  const file = path.join(root, 'tests', 'golden', `generation-${name}.json`);
  fs.writeFileSync(file, JSON.stringify(golden, null, 2) + '\n');
  console.log(`${path.relative(root, file)}: ${cases.length} conversations, `
    + cases.map((c) => `${c.promptIds.length}+${c.outputIds.length}`).join(' '));
}
