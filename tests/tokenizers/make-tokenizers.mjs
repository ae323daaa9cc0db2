// Builds the small tokenizer.json files under tests/tokenizers/ by training a tiny BPE on a fixed corpus.
// Each one exercises a family of real configurations with a vocabulary small enough to keep in the repository:
//   gpt2-bytelevel   ByteLevel pre-tokenizer with GPT-2's regex, "a b" merges, clean-up of tokenization spaces
//   llama3-style     Split with Llama 3's regex + ByteLevel, ignore_merges, [a, b] merges, TemplateProcessing
//   qwen2-style      NFC + Split with Qwen2's regex, added tokens with lstrip/rstrip and unnormalized content
//   llama2-sp        SentencePiece BPE: Prepend/Replace normalizers, byte_fallback, fuse_unk, Strip decoder
//   metaspace-sp     Metaspace pre-tokenizer (prepend_scheme "first"), NFKC + Lowercase, unk without byte fallback
//   smollm2-style    Sequence[Digits(individual_digits), ByteLevel] as in SmolLM2, its special tokens and ChatML template
//   bert-wordpiece   BertNormalizer, BertPreTokenizer, WordPiece, BertProcessing, WordPiece decoder
//   t5-unigram       Precompiled + Replace normalizers, WhitespaceSplit + Metaspace, Unigram, Metaspace decoder
//   clip-bpe         NFC + Replace + Lowercase, Split (removed) + ByteLevel without regex, BPE with end_of_word_suffix,
//                    RobertaProcessing, BPEDecoder
//   misc-wordpiece   NFD + StripAccents + Strip, Whitespace + Punctuation + Digits, WordPiece with a short word limit,
//                    TemplateProcessing, CTC decoder
//   wordlevel-scripts  CharDelimiterSplit + UnicodeScripts, WordLevel (transformers.js has neither pre-tokenizer: its
//                    goldens come from the Rust tokenizers library)
// Run: node tests/tokenizers/make-tokenizers.mjs
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';

const here = path.dirname(url.fileURLToPath(import.meta.url));

const corpus = `
The quick brown fox jumps over the lazy dog. It's a constitution: the model's character, section by section.
We'll write, they're reading, I'm sure you've seen it, she'd say they'll agree. Don't panic! Isn't it?
Numbers: 1234567890, 3.14159, 2024-01-01, 1,000,000 and 42. Code: def main(): return x + y; for (int i = 0; i < n; i++) {}
URLs like https://example.com/path?query=1&x=2 and emails such as someone@example.org appear too.
Le renard brun rapide saute par-dessus le chien paresseux. Ça va très bien, merci. Éléphant à l'école.
Der schnelle braune Fuchs springt über den faulen Hund. Grüße aus München, Straße und Maß.
Быстрая коричневая лиса прыгает через ленивую собаку. Привет, мир! Конституция модели.
快速的棕色狐狸跳过了懒狗。你好，世界！模型的宪法，一节一节地。日本語のテキストも少しあります。こんにちは。
안녕하세요 세계. 빠른 갈색 여우가 게으른 개를 뛰어넘습니다.
مرحبا بالعالم. الثعلب البني السريع يقفز فوق الكلب الكسول.
שלום עולם. नमस्ते दुनिया, यह एक परीक्षण है। Γειά σου κόσμε, η γρήγορη καφέ αλεπού.
Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 🇯🇵 ❤️ ✨ and symbols © ® ™ € £ ¥ — “quotes” ‘single’ … • → ≤ ≥ ∞.
    Indented code with    spaces and\ttabs
and newlines

and blank lines.
The the the THE The. the model the model the assistant the user the system.
`.repeat(3);

const BYTE_TO_CHAR = (() => {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n++); }
  const map = new Array(256);
  bs.forEach((b, i) => { map[b] = String.fromCharCode(cs[i]); });
  return map;
})();
const encoder = new TextEncoder();
const byteLevel = (s) => Array.from(encoder.encode(s), (b) => BYTE_TO_CHAR[b]).join('');

const GPT2_RE = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const LLAMA3_RE_SRC = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const LLAMA3_RE_JS = /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;
const QWEN2_RE_SRC = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_RE_JS = /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** Classic BPE training: repeatedly merge the most frequent adjacent pair (ties: smallest pair string). */
function train(words, alphabet, numMerges) {
  // A word is a string (its characters are the symbols) or an array of symbols.
  const freq = new Map();
  const symbols = new Map();
  for (const w of words) {
    const key = Array.isArray(w) ? w.join('\u0001') : w;
    if (!symbols.has(key)) symbols.set(key, Array.isArray(w) ? w : Array.from(w));
    freq.set(key, (freq.get(key) ?? 0) + 1);
  }
  let entries = [...freq].map(([w, f]) => ({ syms: symbols.get(w).slice(), f }));
  const vocab = new Map();
  for (const c of alphabet) if (!vocab.has(c)) vocab.set(c, vocab.size);
  for (const e of entries) for (const c of e.syms) if (!vocab.has(c)) vocab.set(c, vocab.size);
  const merges = [];
  for (let m = 0; m < numMerges; m++) {
    const counts = new Map();
    for (const e of entries) {
      for (let i = 0; i + 1 < e.syms.length; i++) {
        const k = e.syms[i] + '\u0000' + e.syms[i + 1];
        counts.set(k, (counts.get(k) ?? 0) + e.f);
      }
    }
    let best = null, bestCount = 1;
    for (const [k, c] of counts) if (c > bestCount || (c === bestCount && best !== null && k < best)) { best = k; bestCount = c; }
    if (best === null) break;
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    if (!vocab.has(a + b)) vocab.set(a + b, vocab.size);
    for (const e of entries) {
      const out = [];
      for (let i = 0; i < e.syms.length; i++) {
        if (i + 1 < e.syms.length && e.syms[i] === a && e.syms[i + 1] === b) { out.push(a + b); i++; } else out.push(e.syms[i]);
      }
      e.syms = out;
    }
  }
  return { vocab, merges };
}

const byteAlphabet = BYTE_TO_CHAR.slice();
function write(name, tokenizer, config) {
  const dir = path.join(here, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer, null, 1) + '\n');
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
  console.log(`${name}: vocab ${Object.keys(tokenizer.model.vocab).length}, merges ${tokenizer.model.merges?.length ?? 0}`);
}
const added = (id, content, special, extra = {}) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: !special, special, ...extra });
const bpeModel = (vocab, merges, extra = {}) => ({
  type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
  fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: Object.fromEntries(vocab), merges, ...extra,
});

// GPT-2 style.
{
  const words = (corpus.match(GPT2_RE) ?? []).map(byteLevel);
  const { vocab, merges } = train(words, byteAlphabet, 500);
  const eot = vocab.size;
  write('gpt2-bytelevel', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(eot, '<|endoftext|>', true)],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: bpeModel(vocab, merges.map(([a, b]) => `${a} ${b}`)),
  }, { tokenizer_class: 'GPT2Tokenizer', bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', clean_up_tokenization_spaces: true });
}

// Llama 3 style.
{
  const words = (corpus.match(LLAMA3_RE_JS) ?? []).map(byteLevel);
  const { vocab, merges } = train(words, byteAlphabet, 600);
  // Whole words that no merge sequence produces: with ignore_merges they are used as they are.
  for (const w of [' constitution', ' assistant', 'Ġcharacter'.replace('Ġ', ' '), ' München', ' модели']) {
    const bl = byteLevel(w);
    if (!vocab.has(bl)) vocab.set(bl, vocab.size);
  }
  const base = vocab.size;
  const specials = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>', '<|python_tag|>'];
  write('llama3-style', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((s, i) => added(base + i, s, true)),
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: LLAMA3_RE_SRC }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ] },
    post_processor: { type: 'Sequence', processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      { type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<|begin_of_text|>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [base], tokens: ['<|begin_of_text|>'] } } },
    ] },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: bpeModel(vocab, merges, { ignore_merges: true }),
  }, { tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>', clean_up_tokenization_spaces: true });
}

// Qwen2 style.
{
  const words = (corpus.normalize('NFC').match(QWEN2_RE_JS) ?? []).map(byteLevel);
  const { vocab, merges } = train(words, byteAlphabet, 600);
  const base = vocab.size;
  write('qwen2-style', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [
      added(base, '<|endoftext|>', true),
      added(base + 1, '<|im_start|>', true),
      added(base + 2, '<|im_end|>', true),
      added(base + 3, '<tool_call>', false, { normalized: false }),
      added(base + 4, '</tool_call>', false, { normalized: false }),
      added(base + 5, '<|fim_pad|>', true, { lstrip: true, rstrip: true }),
      added(base + 6, 'Ångström', false, { normalized: true }),
    ],
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: QWEN2_RE_SRC }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ] },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: bpeModel(vocab, merges),
  }, { tokenizer_class: 'Qwen2Tokenizer', bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', clean_up_tokenization_spaces: false });
}

// SentencePiece BPE, Llama 2 style.
function spVocab(words, merges) {
  const specials = ['<unk>', '<s>', '</s>'];
  const bytes = Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`);
  return [...specials, ...bytes];
}
{
  const text = corpus.replaceAll(' ', '\u2581');
  const words = text.split(/(?=\u2581)/u).filter((w) => w.length > 0);
  // Characters seen fewer than 3 times stay out of the vocabulary so byte fallback has work to do.
  const counts = new Map();
  for (const c of Array.from(text)) counts.set(c, (counts.get(c) ?? 0) + 1);
  const alphabet = [...counts].filter(([, n]) => n >= 6).map(([c]) => c);
  const kept = new Set(alphabet);
  const trainWords = words.filter((w) => Array.from(w).every((c) => kept.has(c)));
  const { vocab: learned, merges } = train(trainWords, alphabet, 500);
  const vocab = new Map();
  for (const t of spVocab()) vocab.set(t, vocab.size);
  for (const t of learned.keys()) if (!vocab.has(t)) vocab.set(t, vocab.size);
  write('llama2-sp', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<unk>', true), added(1, '<s>', true), added(2, '</s>', true)],
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Prepend', prepend: '\u2581' },
      { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
    ] },
    pre_tokenizer: null,
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<s>', type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } } },
    decoder: { type: 'Sequence', decoders: [
      { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
      { type: 'ByteFallback' },
      { type: 'Fuse' },
      { type: 'Strip', content: ' ', start: 1, stop: 0 },
    ] },
    model: bpeModel(vocab, merges.map(([a, b]) => `${a} ${b}`), { unk_token: '<unk>', fuse_unk: true, byte_fallback: true }),
  }, { tokenizer_class: 'LlamaTokenizer', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', add_bos_token: true, add_eos_token: false, legacy: false, clean_up_tokenization_spaces: false });
}

// SentencePiece with a Metaspace pre-tokenizer, lowercasing and NFKC, unknown characters without byte fallback.
{
  const text = corpus.normalize('NFKC').toLowerCase().replaceAll(' ', '\u2581');
  const words = ('\u2581' + text).split(/(?=\u2581)/u).filter((w) => w.length > 0);
  const counts = new Map();
  for (const c of Array.from(text)) counts.set(c, (counts.get(c) ?? 0) + 1);
  const alphabet = [...counts].filter(([, n]) => n >= 9).map(([c]) => c);
  const kept = new Set(alphabet);
  const trainWords = words.filter((w) => Array.from(w).every((c) => kept.has(c)));
  const { vocab: learned, merges } = train(trainWords, alphabet, 400);
  const vocab = new Map([['<unk>', 0], ['<s>', 1], ['</s>', 2], ['<pad>', 3]]);
  for (const t of learned.keys()) if (!vocab.has(t)) vocab.set(t, vocab.size);
  const base = vocab.size;
  write('metaspace-sp', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<unk>', true), added(1, '<s>', true), added(2, '</s>', true), added(3, '<pad>', true),
      added(base, '<start_of_turn>', true), added(base + 1, '<end_of_turn>', true), added(base + 2, 'Constitution', false, { normalized: true })],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: true },
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: {} },
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: true },
    model: bpeModel(vocab, merges, { unk_token: '<unk>' }),
  }, { tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: '<pad>' });
}

// SmolLM2 style: every digit its own pre-token, then GPT-2's byte-level split; the special tokens come first.
{
  const words = (corpus.match(/[^\d]+|\d/gu) ?? []).flatMap((p) => p.match(GPT2_RE) ?? []).map(byteLevel);
  const { vocab: learned, merges } = train(words, byteAlphabet, 600);
  const specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<repo_name>', '<reponame>', '<file_sep>', '<filename>',
    '<gh_stars>', '<issue_start>', '<issue_comment>', '<issue_closed>', '<jupyter_start>', '<jupyter_text>', '<jupyter_code>',
    '<jupyter_output>', '<jupyter_script>', '<empty_output>'];
  const vocab = new Map(specials.map((t, i) => [t, i]));
  for (const t of learned.keys()) if (!vocab.has(t)) vocab.set(t, vocab.size);
  write('smollm2-style', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((t, i) => added(i, t, true)),
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Digits', individual_digits: true },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    ] },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: bpeModel(vocab, merges.map(([a, b]) => `${a} ${b}`), { continuing_subword_prefix: '', end_of_word_suffix: '' }),
  }, { tokenizer_class: 'GPT2Tokenizer', bos_token: '<|im_start|>', eos_token: '<|im_end|>', pad_token: '<|im_end|>',
    unk_token: '<|endoftext|>', additional_special_tokens: ['<|im_start|>', '<|im_end|>'], clean_up_tokenization_spaces: false,
    model_max_length: 8192,
    chat_template: "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}" });
}

/** Word and continuation pieces for WordPiece: every character seen often enough, then the most frequent words and endings. */
function wordPieceVocab(words, specials, { minChar, words: wordCount, endings }) {
  const vocab = new Map(specials.map((t, i) => [t, i]));
  const chars = new Map();
  for (const w of words) for (const c of w) chars.set(c, (chars.get(c) ?? 0) + 1);
  const kept = [...chars].filter(([, n]) => n >= minChar).map(([c]) => c).sort();
  for (const c of kept) vocab.set(c, vocab.size);
  for (const c of kept) vocab.set('##' + c, vocab.size);
  const freq = new Map();
  for (const w of words) freq.set(w, (freq.get(w) ?? 0) + 1);
  const byCount = (m) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
  for (const w of byCount(freq).filter((w) => Array.from(w).length > 1).slice(0, wordCount)) if (!vocab.has(w)) vocab.set(w, vocab.size);
  const tails = new Map();
  for (const w of words) {
    const cs = Array.from(w);
    for (let k = 2; k <= 4 && k < cs.length; k++) { const t = '##' + cs.slice(-k).join(''); tails.set(t, (tails.get(t) ?? 0) + 1); }
  }
  for (const t of byCount(tails).slice(0, endings)) if (!vocab.has(t)) vocab.set(t, vocab.size);
  return vocab;
}

// BERT style (uncased).
{
  const text = corpus.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
  const words = text.match(/[^\s\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]+|[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]/gu) ?? [];
  const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const vocab = wordPieceVocab(words, specials, { minChar: 3, words: 250, endings: 120 });
  write('bert-wordpiece', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((t, i) => added(i, t, true, { normalized: false })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(vocab) },
  }, { tokenizer_class: 'BertTokenizer', do_lower_case: true, unk_token: '[UNK]', sep_token: '[SEP]', pad_token: '[PAD]',
    cls_token: '[CLS]', mask_token: '[MASK]', clean_up_tokenization_spaces: true });
}

// T5 style: a Unigram vocabulary of frequent substrings of ▁-prefixed words, scored by log frequency.
{
  const text = corpus.normalize('NFKC').replace(/ {2,}/g, ' ');
  const words = text.split(/[\t\n\v\f\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]+/u).filter((w) => w.length > 0).map((w) => '\u2581' + w);
  const counts = new Map();
  for (const w of words) {
    const cs = Array.from(w);
    for (let i = 0; i < cs.length; i++) {
      for (let k = 1; k <= 8 && i + k <= cs.length; k++) { const p = cs.slice(i, i + k).join(''); counts.set(p, (counts.get(p) ?? 0) + 1); }
    }
  }
  // Single characters seen fewer than 4 times stay out, so some text falls back to <unk>.
  const pieces = [...counts].filter(([p, n]) => (Array.from(p).length === 1 ? n >= 4 : n >= 3))
    .sort((a, b) => b[1] * Array.from(b[0]).length - a[1] * Array.from(a[0]).length || (a[0] < b[0] ? -1 : 1)).slice(0, 900);
  const total = pieces.reduce((s, [, n]) => s + n, 0);
  const vocab = [['<pad>', 0], ['</s>', 0], ['<unk>', 0],
    ...pieces.map(([p, n]) => [p, Math.round(Math.log(n / total) * 1e4) / 1e4])];
  write('t5-unigram', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<pad>', true), added(1, '</s>', true), added(2, '<unk>', true)],
    // A real file carries SentencePiece's compiled map here; transformers.js approximates it with NFKC and so do we,
    // so the map itself is a placeholder.
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'Precompiled', precompiled_charsmap: 'AAAAAA==' },
      { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
    ] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' },
      { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    ] },
    post_processor: { type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } } },
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab, byte_fallback: false },
  }, { tokenizer_class: 'T5Tokenizer', eos_token: '</s>', unk_token: '<unk>', pad_token: '<pad>', clean_up_tokenization_spaces: true });
}

// CLIP style: classic BPE whose word-final symbols carry "</w>".
{
  const CLIP_RE = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+/gu;
  const text = corpus.normalize('NFC').replace(/\s+/g, ' ').toLowerCase();
  const words = (text.match(CLIP_RE) ?? []).map((w) => { const s = Array.from(byteLevel(w)); s[s.length - 1] += '</w>'; return s; });
  const alphabet = [...byteAlphabet, ...byteAlphabet.map((c) => c + '</w>')];
  const { vocab, merges } = train(words, alphabet, 500);
  const sot = vocab.size, eot = vocab.size + 1;
  vocab.set('<|startoftext|>', sot);
  vocab.set('<|endoftext|>', eot);
  write('clip-bpe', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(sot, '<|startoftext|>', true, { normalized: true }), added(eot, '<|endoftext|>', true)],
    normalizer: { type: 'Sequence', normalizers: [
      { type: 'NFC' },
      { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
      { type: 'Lowercase' },
    ] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ] },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', eot], cls: ['<|startoftext|>', sot], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'BPEDecoder', suffix: '</w>' },
    model: bpeModel(vocab, merges.map(([a, b]) => `${a} ${b}`), { continuing_subword_prefix: '', end_of_word_suffix: '</w>', unk_token: '<|endoftext|>' }),
  }, { tokenizer_class: 'CLIPTokenizer', bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>',
    pad_token: '<|endoftext|>', clean_up_tokenization_spaces: true });
}

// A WordPiece tokenizer that exercises the remaining normalizers, pre-tokenizers and the CTC decoder.
{
  const text = corpus.normalize('NFD').replace(/\p{M}/gu, '');
  const words = (text.match(/\w+|[^\w\s]+/g) ?? []).flatMap((w) => w.match(/[^\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]+|[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]+/gu) ?? []);
  const specials = ['[PAD]', '[UNK]', '[BOS]', '[EOS]', '|'];
  const vocab = wordPieceVocab(words, specials, { minChar: 2, words: 200, endings: 80 });
  write('misc-wordpiece', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.slice(0, 4).map((t, i) => added(i, t, true, { normalized: false })),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }, { type: 'Strip', strip_left: true, strip_right: true }] },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [
      { type: 'Whitespace' },
      { type: 'Punctuation', behavior: 'Isolated' },
      { type: 'Digits', individual_digits: false },
    ] },
    post_processor: { type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[BOS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[EOS]', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: {} },
    decoder: { type: 'CTC', pad_token: '[PAD]', word_delimiter_token: '|', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 12, vocab: Object.fromEntries(vocab) },
  }, { tokenizer_class: 'PreTrainedTokenizerFast', unk_token: '[UNK]', pad_token: '[PAD]', bos_token: '[BOS]', eos_token: '[EOS]',
    clean_up_tokenization_spaces: false });
}

// Word level over Rust's UnicodeScripts split: script runs of the corpus's space-separated words are the vocabulary.
{
  const script = (c) => {
    if (c === '\u30FC' || /\p{Script=Han}|\p{Script=Hiragana}|\p{Script=Katakana}|\p{Script=Hangul}/u.test(c)) return 'Han';
    for (const s of ['Latin', 'Cyrillic', 'Greek', 'Arabic', 'Hebrew', 'Devanagari', 'Thai', 'Common', 'Inherited']) {
      if (new RegExp(`\\p{Script=${s}}`, 'u').test(c)) return s;
    }
    return 'Other';
  };
  const pieces = [];
  for (const w of corpus.split(' ').filter((x) => x.length > 0)) {
    let cur = '', last = null;
    for (const c of w) {
      const s = script(c);
      if (last !== null && s !== last) { pieces.push(cur); cur = ''; }
      cur += c; last = s;
    }
    if (cur) pieces.push(cur);
  }
  const freq = new Map();
  for (const p of pieces) freq.set(p, (freq.get(p) ?? 0) + 1);
  const specials = ['[UNK]', '[PAD]'];
  const vocab = new Map(specials.map((t, i) => [t, i]));
  // Words seen once stay out, so the unknown token has work to do.
  for (const [p, n] of [...freq].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) if (n >= 2 && !vocab.has(p)) vocab.set(p, vocab.size);
  write('wordlevel-scripts', {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((t, i) => added(i, t, true, { normalized: false })),
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'CharDelimiterSplit', delimiter: ' ' }, { type: 'UnicodeScripts' }] },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: Object.fromEntries(vocab), unk_token: '[UNK]' },
  }, { tokenizer_class: 'PreTrainedTokenizerFast', unk_token: '[UNK]', pad_token: '[PAD]', clean_up_tokenization_spaces: false });
}
