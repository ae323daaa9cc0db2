// Tokenizer encoding throughput: ConstitutionHub.Inference (C#) against transformers.js, same corpus, same run.
// Builds a ~1 MB mixed corpus (prose in several scripts, code, numbers, emoji, whitespace runs), encodes it
// paragraph by paragraph with both, checks that the token counts agree, and prints MB/s, tokens/s and the ratio.
// Times are CPU seconds of the encoding loop, best of three passes (the machine is shared).
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

const tokenizers = ['models/demo-qwen2', 'tests/models/tiny-llama-sp', 'tests/tokenizers/demo-qwen2', 'tests/tokenizers/tiny-llama-sp',
  'tests/tokenizers/llama3-style', 'tests/tokenizers/gpt2-bytelevel']
  .filter((d) => fs.existsSync(path.join(root, d, 'tokenizer.json')))
  .filter((d, i, all) => !(d.startsWith('tests/tokenizers/') && all.some((o) => !o.startsWith('tests/tokenizers/') && path.basename(o) === path.basename(d))));

const peer = {};
for (const dir of tokenizers) {
  const tokenizer = await AutoTokenizer.from_pretrained(dir);
  for (const p of paragraphs.slice(0, 200)) tokenizer.encode(p, { add_special_tokens: false });
  let tokens = 0;
  let seconds = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    // A fresh tokenizer each pass (empty word cache); CPU time, best of three, as on the C# side.
    const fresh = await AutoTokenizer.from_pretrained(dir);
    tokens = 0;
    const start = process.cpuUsage();
    for (const p of paragraphs) tokens += fresh.encode(p, { add_special_tokens: false }).length;
    const used = process.cpuUsage(start);
    seconds = Math.min(seconds, (used.user + used.system) / 1e6);
  }
  peer[path.basename(dir)] = { tokens, seconds };
}

const output = execFileSync('dotnet', ['run', '-c', 'Release', path.join(root, 'bench', 'inference', 'tokenizer-bench.cs'), '--', corpusPath,
  ...tokenizers.map((d) => path.join(root, d, 'tokenizer.json'))], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
const ours = Object.fromEntries(output.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).map((r) => [r.name, r]));

const mb = size / 1e6;
console.log(`corpus: ${paragraphs.length} paragraphs, ${mb.toFixed(2)} MB UTF-8`);
console.log('tokenizer            | C# MB/s | C# tok/s  | JS MB/s | JS tok/s  | C# speed-up | same tokens');
for (const dir of tokenizers) {
  const name = path.basename(dir);
  const o = ours[name], p = peer[name];
  const row = [name.padEnd(20), (mb / o.seconds).toFixed(2).padStart(7), Math.round(o.tokens / o.seconds).toString().padStart(9),
    (mb / p.seconds).toFixed(2).padStart(7), Math.round(p.tokens / p.seconds).toString().padStart(9),
    `${(p.seconds / o.seconds).toFixed(2)}x`.padStart(11), o.tokens === p.tokens ? 'yes' : `NO (${o.tokens} vs ${p.tokens})`];
  console.log(row.join(' | '));
}
