// Renders every chat template in tests/golden/templates/*.jinja with @huggingface/jinja (the engine of
// transformers.js' apply_chat_template) over a set of conversations, with and without add_generation_prompt, and
// writes tests/golden/templates-golden.json. The C# tests assert byte-identical output and the same failures.
// Run from the repository root: node tools/peer/template-golden.mjs
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { Template } from '@huggingface/jinja';

const root = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..', '..');
const templateDir = path.join(root, 'tests', 'golden', 'templates');

const conversations = {
  single_user: [{ role: 'user', content: 'Hello!' }],
  user_assistant_user: [
    { role: 'user', content: 'What is a constitution?' },
    { role: 'assistant', content: 'A document describing character, section by section.' },
    { role: 'user', content: 'Give me an example.' },
  ],
  with_system: [
    { role: 'system', content: 'You are a careful assistant. Answer briefly.' },
    { role: 'user', content: 'Hi there' },
    { role: 'assistant', content: 'Hello! How can I help?' },
    { role: 'user', content: 'Tell me a joke.' },
  ],
  whitespace_and_unicode: [
    { role: 'user', content: '  padded question with trailing newline\n\n' },
    { role: 'assistant', content: '\tAnswer: ünïcödé, 中文, emoji 👍🏽 and "quotes" {braces} {{ not a tag }}  ' },
    { role: 'user', content: 'Line one\nLine two\r\nLine three' },
  ],
  system_only: [{ role: 'system', content: 'Only a system prompt.' }],
  assistant_first: [
    { role: 'assistant', content: 'I speak first.' },
    { role: 'user', content: 'That breaks the alternation.' },
  ],
  two_users: [
    { role: 'user', content: 'First' },
    { role: 'user', content: 'Second' },
  ],
  tool_result: [
    { role: 'system', content: 'Use tools when needed.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: 'Let me check.' },
    { role: 'tool', content: '{"temperature": 21, "unit": "C"}' },
    { role: 'tool', content: '{"humidity": 40}' },
    { role: 'user', content: 'Thanks' },
  ],
  empty: [],
};

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city, in “quotes” and ünïcode',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'City name' }, days: { type: 'integer', minimum: 1, maximum: 7.5 } },
      required: ['city'],
    },
  },
};

const families = {
  'qwen2.5': { bos_token: null, eos_token: '<|im_end|>' },
  'llama3.1': { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' },
  llama3: { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' },
  llama2: { bos_token: '<s>', eos_token: '</s>' },
  mistral: { bos_token: '<s>', eos_token: '</s>' },
  gemma: { bos_token: '<bos>', eos_token: '<eos>' },
  'gemma2-system': { bos_token: '<bos>', eos_token: '<eos>' },
  phi3: { bos_token: '<s>', eos_token: '<|endoftext|>' },
  smollm2: { bos_token: '<|im_start|>', eos_token: '<|im_end|>' },
  features: { bos_token: '<s>', eos_token: '</s>' },
};

const extraVariables = {
  'qwen2.5': [{ tools: [weatherTool, { type: 'function', function: { name: 'noop', description: '', parameters: { type: 'object', properties: {} } } }] }],
  'llama3.1': [{ date_string: '22 Nov 2026' }, { tools: [weatherTool], date_string: '01 Jan 2025' }, { tools: [weatherTool], tools_in_user_message: false }],
};

// The chat templates shipped with the tokenizers under tests/tokenizers/ are rendered too, with their own
// special tokens, through the same route as apply_chat_template.
const sources = fs.readdirSync(templateDir).filter((f) => f.endsWith('.jinja')).sort()
  .map((file) => ({ name: file.replace(/\.jinja$/, ''), file: `tests/golden/templates/${file}` }));
for (const dir of fs.readdirSync(path.join(root, 'tests', 'tokenizers')).sort()) {
  const configPath = path.join(root, 'tests', 'tokenizers', dir, 'tokenizer_config.json');
  if (!fs.existsSync(configPath)) continue;
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  if (typeof config.chat_template !== 'string') continue;
  const name = `tokenizer-${dir}`;
  sources.push({ name, file: `tests/tokenizers/${dir}/tokenizer_config.json`, source: config.chat_template });
  families[name] = Object.fromEntries(['bos_token', 'eos_token', 'unk_token', 'pad_token'].filter((k) => typeof config[k] === 'string').map((k) => [k, config[k]]));
}

const cases = [];
const templates = {};
for (const { name, file, source: inline } of sources) {
  const source = inline ?? fs.readFileSync(path.join(root, file), 'utf8');
  templates[name] = file;
  const template = new Template(source);
  const variableSets = [{}, ...(extraVariables[name] ?? [])];
  for (const [conversationName, messages] of Object.entries(conversations)) {
    for (const extra of variableSets) {
      for (const addGenerationPrompt of [false, true]) {
        // The same variables transformers.js' apply_chat_template passes.
        const variables = { ...families[name], ...extra };
        const context = { messages, add_generation_prompt: addGenerationPrompt, tools: null, documents: null, ...variables };
        const entry = { template: name, conversation: conversationName, add_generation_prompt: addGenerationPrompt, variables };
        try {
          entry.output = template.render(context);
        } catch (e) {
          entry.error = e.message;
        }
        cases.push(entry);
      }
    }
  }
}

// One-line templates over values of every type (tests/golden/templates/expressions.txt): how each value prints,
// concatenates, compares and filters, each rendered on its own so that an error fails only its line.
const expressionVariables = {
  s: 'abc', i: 3, f: 2.5, w: 2, lst: ['a', 'b'], nums: [1, 2.5, true, null], nested: [[1, 2], { k: 'v' }],
  obj: { a: 1, b: [1, 2] }, empty: [], emptyobj: {}, msg: { role: 'user', content: 'Hi' },
};
const expressions = fs.readFileSync(path.join(templateDir, 'expressions.txt'), 'utf8').split('\n').filter((l) => l.length > 0)
  .map((line) => {
    const entry = { template: line };
    try {
      // A namespace cannot come from JSON, so the template makes it.
      entry.output = new Template(`{%- set ns = namespace(items=[1, 'two'], n=none) -%}${line}`).render(expressionVariables);
    } catch (e) {
      entry.error = e.message;
    }
    return entry;
  });
fs.writeFileSync(path.join(root, 'tests', 'golden', 'expressions-golden.json'),
  JSON.stringify({ peer: '@huggingface/jinja 0.5.11', prefix: "{%- set ns = namespace(items=[1, 'two'], n=none) -%}", variables: expressionVariables, cases: expressions }, null, 1) + '\n');
console.log(`expressions-golden.json: ${expressions.length} expressions, ${expressions.filter((e) => e.error).length} errors`);

const out = { peer: '@huggingface/jinja 0.5.11', templates, conversations, cases };
fs.writeFileSync(path.join(root, 'tests', 'golden', 'templates-golden.json'), JSON.stringify(out, null, 1) + '\n');
const errors = cases.filter((c) => c.error);
console.log(`templates-golden.json: ${cases.length} renders, ${errors.length} errors`);
for (const e of errors) console.log(`  ${e.template} / ${e.conversation}: ${e.error}`);
