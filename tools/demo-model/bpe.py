"""Byte-level BPE in the style of GPT-2 and Qwen2: a trainer, an encoder and the tokenizer.json writer.

Text is NFC-normalized, split with Qwen2's pre-tokenizer regex, and every piece is mapped byte by byte onto
GPT-2's printable "byte-to-unicode" alphabet, so any input can be encoded without an unknown token. The trainer
learns merges greedily (most frequent adjacent pair first, ties broken by the smaller pair of ids so that the
result never depends on dictionary order). The files written are the ones Hugging Face tokenizers,
transformers.js and our own C# tokenizer read.
"""

import heapq
import json
import unicodedata

import regex

# Qwen2's pre-tokenizer: contractions, letter runs with one leading non-letter, single digits, punctuation
# runs, newlines, then whitespace. Digits are split one by one, as Qwen2 does.
QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
_split = regex.compile(QWEN2_SPLIT)

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
_special = regex.compile("|".join(regex.escape(t) for t in SPECIAL_TOKENS))


def bytes_to_unicode():
    """GPT-2's table: printable Latin-1 bytes map to themselves, the others to U+0100 onwards."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs))), bs


BYTE_TO_CHAR, BYTE_ORDER = bytes_to_unicode()


def pre_tokenize(text):
    """NFC, then Qwen2's split, then each piece as byte-level characters."""
    text = unicodedata.normalize("NFC", text)
    return ["".join(BYTE_TO_CHAR[b] for b in piece.encode("utf-8")) for piece in _split.findall(text)]


def train(texts, vocab_size):
    """Learns merges until the vocabulary (256 bytes + merges + special tokens) reaches vocab_size."""
    counts = {}
    for text in texts:
        for part in _special.split(text):
            for word in pre_tokenize(part):
                counts[word] = counts.get(word, 0) + 1

    # The first 256 ids are the bytes, in GPT-2's order (printable characters first).
    tokens = [BYTE_TO_CHAR[b] for b in BYTE_ORDER]
    ids = {t: i for i, t in enumerate(tokens)}
    words = [[ids[c] for c in w] for w in sorted(counts)]
    freqs = [counts[w] for w in sorted(counts)]

    pair_counts = {}
    where = {}
    for wi, symbols in enumerate(words):
        for pair in zip(symbols, symbols[1:]):
            pair_counts[pair] = pair_counts.get(pair, 0) + freqs[wi]
            where.setdefault(pair, set()).add(wi)
    heap = [(-c, p) for p, c in pair_counts.items()]
    heapq.heapify(heap)

    merges = []
    target = vocab_size - len(SPECIAL_TOKENS)
    while len(tokens) < target and heap:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair, 0) != -negative or negative == 0:
            continue  # a stale entry: the count changed after it was pushed
        new_id = len(tokens)
        tokens.append(tokens[pair[0]] + tokens[pair[1]])
        merges.append(pair)
        changed = set()
        for wi in sorted(where.pop(pair, ())):
            old = words[wi]
            new = _merge(old, pair, new_id)
            if new == old:
                continue
            for p in zip(old, old[1:]):
                pair_counts[p] -= freqs[wi]
                changed.add(p)
            for p in zip(new, new[1:]):
                pair_counts[p] = pair_counts.get(p, 0) + freqs[wi]
                where.setdefault(p, set()).add(wi)
                changed.add(p)
            words[wi] = new
        pair_counts.pop(pair, None)
        for p in changed:
            if pair_counts.get(p, 0) > 0:
                heapq.heappush(heap, (-pair_counts[p], p))
    return tokens, [(tokens[a], tokens[b]) for a, b in merges]


def _merge(symbols, pair, new_id):
    out = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and symbols[i] == pair[0] and symbols[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return out


def bpe_word(symbols, ranks):
    """Applies merges by rank (lowest first, leftmost first), as tokenizers and transformers.js do."""
    symbols = list(symbols)
    while len(symbols) > 1:
        best = None
        for i in range(len(symbols) - 1):
            rank = ranks.get((symbols[i], symbols[i + 1]))
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, i)
        if best is None:
            break
        pair = (symbols[best[1]], symbols[best[1] + 1])
        merged = []
        i = 0
        while i < len(symbols):
            if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
                merged.append(pair[0] + pair[1])
                i += 2
            else:
                merged.append(symbols[i])
                i += 1
        symbols = merged
    return symbols


class ByteLevelTokenizer:
    """Encodes text (with special tokens recognised) to ids; used to prepare the training data."""

    def __init__(self, tokens, merges):
        self.vocab = {t: i for i, t in enumerate(tokens + SPECIAL_TOKENS)}
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        self.cache = {}

    def encode(self, text):
        ids = []
        pos = 0
        for m in _special.finditer(text):
            ids += self._encode_plain(text[pos:m.start()])
            ids.append(self.vocab[m.group(0)])
            pos = m.end()
        return ids + self._encode_plain(text[pos:])

    def _encode_plain(self, text):
        ids = []
        for word in pre_tokenize(text):
            if word not in self.cache:
                self.cache[word] = [self.vocab[s] for s in bpe_word(word, self.ranks)]
            ids += self.cache[word]
        return ids

    def decode(self, ids):
        char_to_byte = {c: b for b, c in BYTE_TO_CHAR.items()}
        inverse = {i: t for t, i in self.vocab.items()}
        out = bytearray()
        for i in ids:
            t = inverse[i]
            out += t.encode("utf-8") if t in SPECIAL_TOKENS else bytes(char_to_byte[c] for c in t)
        return out.decode("utf-8", errors="replace")


def tokenizer_json(tokens, merges):
    first_special = len(tokens)
    added = [{"id": first_special + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(SPECIAL_TOKENS)]
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT}, "behavior": "Isolated", "invert": False},
            byte_level]},
        "post_processor": byte_level,
        "decoder": byte_level,
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": {t: i for i, t in enumerate(tokens)},
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }


# Qwen2.5's chat template without the tool-calling branches: a default system message when none is given,
# ChatML turns, and the assistant header when a generation prompt is asked for.
CHATML_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}\n"
    "    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "{%- else %}\n"
    "    {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if not (message.role == 'system' and loop.first) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}"
)

DEFAULT_SYSTEM = "You are a helpful assistant."


def tokenizer_config(first_special, model_max_length):
    return {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": {
            str(first_special + i): {"content": t, "lstrip": False, "normalized": False, "rstrip": False,
                                     "single_word": False, "special": True}
            for i, t in enumerate(SPECIAL_TOKENS)},
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": None,
        "chat_template": CHATML_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": model_max_length,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }


def render_chatml(messages, add_generation_prompt=False):
    """The chat template above, in Python, for the training data."""
    out = ""
    if messages[0]["role"] == "system":
        out += "<|im_start|>system\n" + messages[0]["content"] + "<|im_end|>\n"
        rest = messages[1:]
    else:
        out += "<|im_start|>system\n" + DEFAULT_SYSTEM + "<|im_end|>\n"
        rest = messages
    for m in rest:
        out += "<|im_start|>" + m["role"] + "\n" + m["content"] + "<|im_end|>\n"
    if add_generation_prompt:
        out += "<|im_start|>assistant\n"
    return out


def write(folder, tokens, merges, model_max_length):
    import os
    with open(os.path.join(folder, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json(tokens, merges), f, ensure_ascii=False, indent=2)
        f.write("\n")
    with open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_config(len(tokens), model_max_length), f, ensure_ascii=False, indent=2)
        f.write("\n")


class SentencePieceBpe:
    """Encoder for a SentencePiece-style tokenizer.json (Prepend and Replace normalizers, no pre-tokenizer,
    byte fallback), enough to prepare training data for the test model that uses one."""

    def __init__(self, tokenizer_json):
        model = tokenizer_json["model"]
        self.vocab = model["vocab"]
        merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ", 1)) for m in model["merges"]]
        self.ranks = {pair: r for r, pair in enumerate(merges)}
        specials = [t["content"] for t in tokenizer_json["added_tokens"]]
        self.special = regex.compile("|".join(regex.escape(t) for t in specials))

    def encode(self, text):
        ids = []
        pos = 0
        for m in self.special.finditer(text):
            ids += self._encode_plain(text[pos:m.start()])
            ids.append(self.vocab[m.group(0)])
            pos = m.end()
        return ids + self._encode_plain(text[pos:])

    def _encode_plain(self, text):
        if not text:
            return []
        ids = []
        for piece in bpe_word(list("▁" + text.replace(" ", "▁")), self.ranks):
            if piece in self.vocab:
                ids.append(self.vocab[piece])
            else:
                ids += [self.vocab[f"<0x{b:02X}>"] for b in piece.encode("utf-8")]
        return ids
