// Writes tests/golden/tokenizer-<name>.json: what transformers.js produces for every tokenizer.json under
// tests/tokenizers/*/, models/*/ and tests/models/*/ on a corpus of difficult strings. The C# tests assert that
// ConstitutionHub.Inference.Tokenization gives the same ids and texts. A tokenizer.json that transformers.js cannot
// load (it lacks the CharDelimiterSplit and UnicodeScripts pre-tokenizers) gets its goldens from the Rust tokenizers
// library instead (npm "tokenizers", Hugging Face's Node binding), on the well-formed texts of the corpus.
// Also writes tests/golden/tokenizer-normalization.json (Unicode normalization as Node's ICU does it).
// Run from the repository root: node tools/peer/tokenizer-golden.mjs
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { Tokenizer as RustTokenizer } from 'tokenizers';

const root = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..', '..');
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = root + path.sep;

const longWord = 'Pneumonoultramicroscopicsilicovolcanoconiosis'.repeat(4);
export const corpus = [
  '',
  ' ',
  'Hello world',
  'Hello, world! How are you today?',
  ' leading space',
  'trailing space ',
  '  two leading spaces and   three inside',
  'Tabs\there\t\tand\tthere',
  'Line one\nLine two\n\nLine four\n',
  'Windows\r\nline\r\nendings\r\n',
  '\n\n\n',
  '   \n  \t \n',
  "It's, I'm, you're, we've, they'll, she'd, don't, IT'S, WE'VE, Isn't",
  'The constitution of the assistant: character, section by section.',
  '1234567890 12 123 1234 12345 3.14159 -42 +7 1,000,000 2024-01-01',
  '٠١٢٣٤٥٦٧٨٩ ๑๒๓ ௧௨௩ ①②③ ½ ¾ ² ³',
  'def main():\n    return x + y  # comment\n\nfor (int i = 0; i < n; i++) { sum += a[i]; }',
  'if (a && b || !c) { console.log(`template ${value}`); } // JS',
  'https://example.com/path/to/page?query=1&x=2#anchor and mailto:someone@example.org',
  'Le renard brun rapide saute par-dessus le chien paresseux. Ça va très bien, merci.',
  'Éléphant à l’école, naïve café, coöperate, Ångström',
  'Der schnelle braune Fuchs springt über den faulen Hund. Grüße aus München, Straße.',
  'Быстрая коричневая лиса прыгает через ленивую собаку. Привет, мир!',
  '快速的棕色狐狸跳过了懒狗。你好，世界！',
  '日本語のテキスト：こんにちは、世界。カタカナとひらがな。',
  '안녕하세요 세계. 빠른 갈색 여우',
  'مرحبا بالعالم. الثعلب البني السريع',
  'שלום עולם',
  'नमस्ते दुनिया, यह एक परीक्षण है।',
  'ภาษาไทยไม่มีช่องว่างระหว่างคำ',
  'Γειά σου κόσμε, ΟΔΟΣ ΣΟΦΟΣ',
  'Combining: e\u0301 a\u0300 o\u0308 n\u0303 A\u030A ffi \uFB01 \u212B \u1E9B\u0323 q\u0307\u0323',
  'Zalgo: Z\u0351\u036B\u0343\u036A\u0302\u036B\u033D\u034F\u0334\u0319\u0324\u031E\u0349\u035A\u032F\u031E\u0320\u034Da\u0344',
  'Emoji: 😀 😃 😄 👍 👍🏽 ❤️ ✨ 🎉',
  'ZWJ families: 👨‍👩‍👧‍👦 👩‍💻 🧑🏿‍🚀 🏳️‍🌈',
  'Flags: 🇫🇷 🇯🇵 🇺🇸 🇩🇪 🏴󠁧󠁢󠁳󠁣󠁴󠁿',
  'Math letters: 𝐀𝐁𝐂 𝑥𝑦𝑧 𝟙𝟚𝟛 and CJK ext B: 𠀀𠀁𪚥',
  'Symbols © ® ™ € £ ¥ — “quotes” ‘single’ … • → ≤ ≥ ∞ ∑ √',
  'Invisible: zero\u200Bwidth, non\u00A0breaking, soft\u00ADhyphen, bom\uFEFFinside, nel\u0085next, ideographic\u3000space',
  'Control: bell\u0007 escape\u001B null\u0000 delete\u007F',
  '<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n',
  '<s>[INST] Hello [/INST] Hi</s>',
  '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>',
  'before <|fim_pad|> after and <|fim_pad|>tight',
  '<tool_call>{"name": "search", "arguments": {"q": "x"}}</tool_call>',
  'Ångström and A\u030Angstro\u0308m',
  'The Constitution and the constitution and CONSTITUTION',
  '<start_of_turn>user\nHi<end_of_turn>',
  'Fake tokens: <|im_start <im_end|> <s > < /s> <|endoftext|',
  longWord,
  'a'.repeat(300),
  '!!!!!!!!!!??????........,,,,,,;;;;;;',
  '        indented by eight',
  'mixed 中文English混合text123数字',
  'The the the THE The. the model the model the assistant the user the system.',
  'Zürich Ærøskøbing İstanbul ǅemal ﬀ ﬃ Ⅻ ㎏ ℡ ｆｕｌｌｗｉｄｔｈ',
  'Lone surrogate: \uD83D end',
];

// A model folder takes precedence over the copy of its tokenizer kept under tests/tokenizers/.
function tokenizerDirs() {
  const byName = new Map();
  for (const base of ['tests/tokenizers', 'models', 'tests/models']) {
    const abs = path.join(root, base);
    if (!fs.existsSync(abs)) continue;
    for (const name of fs.readdirSync(abs).sort()) {
      if (fs.existsSync(path.join(abs, name, 'tokenizer.json'))) byName.set(name, { name, rel: `${base}/${name}` });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function decode(tokenizer, ids, options) {
  // transformers.js refuses to decode an empty list; the empty text is what it stands for.
  return ids.length === 0 ? '' : tokenizer.decode(ids, options);
}

const goldenDir = path.join(root, 'tests', 'golden');
fs.mkdirSync(goldenDir, { recursive: true });
for (const { name, rel } of tokenizerDirs()) {
  let out;
  try {
    out = await transformersGolden(rel);
  } catch (e) {
    if (!/Unknown PreTokenizer type|Unknown Normalizer type|Unknown TokenizerModel type/.test(String(e))) throw e;
    out = await rustGolden(rel);
  }
  fs.writeFileSync(path.join(goldenDir, `tokenizer-${name}.json`), JSON.stringify(out, null, 1) + '\n');
  console.log(`tokenizer-${name}.json: ${out.cases.length} cases, vocab ${out.vocab_size}, ${out.peer}`);
}

async function transformersGolden(rel) {
  const tokenizer = await AutoTokenizer.from_pretrained(rel);
  const cases = corpus.map((text) => {
    const ids = tokenizer.encode(text, { add_special_tokens: false });
    const idsWithSpecial = tokenizer.encode(text, { add_special_tokens: true });
    return {
      text,
      // System.Text.Json cannot read a lone surrogate, so such texts also travel as UTF-16 code units.
      ...(text.isWellFormed() ? {} : { text_utf16: Array.from({ length: text.length }, (_, i) => text.charCodeAt(i)) }),
      ids,
      ids_with_special: idsWithSpecial,
      decoded: decode(tokenizer, ids, {}),
      decoded_with_special: decode(tokenizer, idsWithSpecial, {}),
      decoded_skip_special: decode(tokenizer, idsWithSpecial, { skip_special_tokens: true }),
    };
  });
  return { tokenizer: `${rel}/tokenizer.json`, peer: '@huggingface/transformers 4.3.1', vocab_size: vocab_size(tokenizer), cases };
}

async function rustGolden(rel) {
  const tokenizer = RustTokenizer.fromFile(path.join(root, rel, 'tokenizer.json'));
  const cases = [];
  for (const text of corpus.filter((t) => t.isWellFormed())) {
    const ids = Array.from((await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds());
    const idsWithSpecial = Array.from((await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds());
    cases.push({
      text, ids, ids_with_special: idsWithSpecial,
      decoded: await tokenizer.decode(ids, false),
      decoded_with_special: await tokenizer.decode(idsWithSpecial, false),
      decoded_skip_special: await tokenizer.decode(idsWithSpecial, true),
    });
  }
  const vocab = tokenizer.getVocab(true);
  return { tokenizer: `${rel}/tokenizer.json`, peer: 'tokenizers 0.23.2 (Rust)', vocab_size: Math.max(...Object.values(vocab)) + 1, cases };
}

function vocab_size(tokenizer) {
  let max = -1;
  for (const id of tokenizer.get_vocab().values()) max = Math.max(max, id);
  return max + 1;
}

// Unicode normalization: every code point that decomposes or combines, plus generated mark sequences.
{
  let seed = 12345;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const interesting = [];
  for (let cp = 0xa0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    if (s.normalize('NFD') !== s || s.normalize('NFKD') !== s || /\p{M}/u.test(s)) interesting.push(s);
  }
  const marks = interesting.filter((s) => /\p{M}/u.test(s));
  const strings = [];
  for (let i = 0; i < interesting.length; i += 40) strings.push(interesting.slice(i, i + 40).join(' '));
  const bases = ['a', 'e', 'o', 'u', 'A', 'E', 'O', 'ᄀ', '가', '각', 'ᅡ', 'ᆨ', 'ω', 'α', 'ι', 'न', 'ক', 'ಕ', 'ெ', 'க', '\u0DD9', '\u0CC6', 'ç', 'Ç'];
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const parts = 1 + rand(4);
    for (let p = 0; p < parts; p++) {
      s += bases[rand(bases.length)];
      const n = rand(4);
      for (let k = 0; k < n; k++) s += marks[rand(marks.length)];
      if (rand(3) === 0) s += ['\u0301', '\u0327', '\u0308', '\u0323', '\u0345', '\u0DCF', '\u0CD5', '\u0BBE', 'ᅡ', 'ᆨ'][rand(10)];
    }
    strings.push(s);
  }
  const cases = strings.map((s) => ({ text: s, nfc: s.normalize('NFC'), nfd: s.normalize('NFD'), nfkc: s.normalize('NFKC'), nfkd: s.normalize('NFKD') }));
  fs.writeFileSync(path.join(goldenDir, 'tokenizer-normalization.json'),
    JSON.stringify({ peer: `Node ${process.version}, ICU ${process.versions.icu}, Unicode ${process.versions.unicode}`, cases }) + '\n');
  console.log(`tokenizer-normalization.json: ${cases.length} cases`);
}
