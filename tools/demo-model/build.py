"""Builds the small language models of the repository, deterministically, from text available offline.

    /usr/bin/python3 tools/demo-model/build.py            # both models, trained
    /usr/bin/python3 tools/demo-model/build.py --untrained  # the same files from the initial weights

Writes models/demo-qwen2/ (the app's default demo model) and tests/models/tiny-llama-sp/ (a second shape for
the engine's tests). Uses only Debian's packages (python3-torch, python3-onnx, python3-numpy, python3-regex);
one thread, fixed seeds and a fixed number of steps, so two runs on the same machine give the same files.
"""

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bpe  # noqa: E402
import corpus  # noqa: E402
import modeling  # noqa: E402
import onnx_fp16  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DEMO_DIR = os.path.join(ROOT, "models", "demo-qwen2")
LLAMA_DIR = os.path.join(ROOT, "tests", "models", "tiny-llama-sp")
LLAMA_TOKENIZER = os.path.join(ROOT, "tests", "tokenizers", "tiny-llama-sp")

DEMO_VOCAB = 3000  # an upper bound; see build_demo
SEED = 1234


def demo_config(vocab_size):
    first_special = vocab_size - len(bpe.SPECIAL_TOKENS)
    return modeling.Config(
        model_type="qwen2", vocab_size=vocab_size, hidden_size=256, intermediate_size=512,
        num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, head_dim=64,
        max_position_embeddings=1024, rope_theta=10000.0, rms_norm_eps=1e-6, tie_word_embeddings=True,
        attention_bias=True, bos_token_id=first_special, eos_token_id=first_special + 2)


def llama_config(vocab_size):
    return modeling.Config(
        model_type="llama", vocab_size=vocab_size, hidden_size=96, intermediate_size=256,
        num_hidden_layers=3, num_attention_heads=6, num_key_value_heads=3, head_dim=16,
        max_position_embeddings=1024, rope_theta=10000.0, rms_norm_eps=1e-5, tie_word_embeddings=False,
        attention_bias=False, bos_token_id=1, eos_token_id=2)


def train(model, next_batch, steps, lr, label):
    """AdamW, linear warm-up then cosine decay; next_batch(step) gives (input ids, target mask or None)."""
    if steps == 0:
        return
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.01)
    warmup = max(1, steps // 20)
    model.train()
    started = time.time()
    for step in range(steps):
        scale = (step + 1) / warmup if step < warmup else 0.5 * (1 + math.cos(math.pi * (step - warmup) / (steps - warmup)))
        for group in optimizer.param_groups:
            group["lr"] = lr * max(scale, 0.05)
        x, target_mask = next_batch(step)
        loss = model.loss(x, target_mask)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        if step % 25 == 0 or step == steps - 1:
            print(f"{label}: step {step + 1}/{steps} loss {loss.item():.3f} ({time.time() - started:.0f} s)", flush=True)
    model.eval()


def random_windows(stream, batch, seq, seed):
    """Batches of random windows of one token stream, every token a target (the tiny Llama-style model's data)."""
    rng = random.Random(seed)
    data = torch.tensor(stream, dtype=torch.long)

    def next_batch(step):
        starts = [rng.randrange(0, len(stream) - seq) for _ in range(batch)]
        return torch.stack([data[s:s + seq] for s in starts]), None
    return next_batch


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False, indent=2)
        f.write("\n")


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def build_demo(documents, chats, digest, steps):
    os.makedirs(os.path.join(DEMO_DIR, "onnx"), exist_ok=True)
    conversations = [bpe.render_chatml(c) for c in chats]
    # The compiled constitution is already in documents; a thousand copies of it would only slow the BPE trainer.
    short = [text for text, chat in zip(conversations, chats) if len(chat[0]["content"]) < 200]
    started = time.time()
    tokens, merges = bpe.train(documents + short, DEMO_VOCAB)
    print(f"demo-qwen2: BPE with {len(merges)} merges in {time.time() - started:.1f} s", flush=True)
    # The corpus is small and repetitive, so the merges run out before DEMO_VOCAB: every token it has is then one
    # the model sees in training, and words from outside the corpus fall back to shorter pieces it knows.
    config = demo_config(len(tokens) + len(bpe.SPECIAL_TOKENS))
    bpe.write(DEMO_DIR, tokens, merges, config.max_position_embeddings)
    tokenizer = bpe.ByteLevelTokenizer(tokens, merges)

    encoded = [_encode_with_targets(tokenizer, text) for text in conversations]
    print(f"demo-qwen2: {sum(len(ids) for ids, _ in encoded)} training tokens, "
          f"{sum(sum(m) for _, m in encoded)} of them in replies", flush=True)

    torch.manual_seed(SEED)
    model = modeling.DecoderLM(config)
    train(model, _conversation_batches(encoded, tokenizer.vocab["<|endoftext|>"], SEED), steps, lr=3e-3,
          label="demo-qwen2")
    modeling.export_onnx(model, os.path.join(DEMO_DIR, "onnx", "model.onnx"))

    ids = {t: tokenizer.vocab[t] for t in bpe.SPECIAL_TOKENS}
    write_json(os.path.join(DEMO_DIR, "config.json"), config.hf_config())
    write_json(os.path.join(DEMO_DIR, "generation_config.json"), {
        "bos_token_id": ids["<|endoftext|>"], "eos_token_id": [ids["<|im_end|>"], ids["<|endoftext|>"]],
        "pad_token_id": ids["<|endoftext|>"], "do_sample": True, "temperature": 0.7, "top_p": 0.8, "top_k": 20,
        "repetition_penalty": 1.05, "transformers_version": "4.46.0"})
    write_json(os.path.join(DEMO_DIR, "constitutionhub.json"), {
        "displayName": "Demo (tiny Qwen2-style, 3M parameters)",
        "demo": True,
        "description": "A 3M-parameter Qwen2-style model trained for a few minutes on short conversations we wrote "
                       "about the baseline constitution: greetings, questions about its sections, refusals. It "
                       "answers in short sentences that sound on topic, but it does not read the constitution it is "
                       "given: use it to try the app, not to judge a constitution.",
        "trainingSteps": steps,
        "corpusSha256": digest,
    })
    return model, tokenizer, parameter_count(model)


def _encode_with_targets(tokenizer, text):
    """Token ids of a rendered conversation and, per token, whether it is a target: the assistant's replies and the
    <|im_end|> that closes each, so the model learns to answer and to stop, not to write the user's turns."""
    ids, targets = [], []
    for part in re.split(r"(<\|im_start\|>assistant\n.*?<\|im_end\|>)", text + "<|endoftext|>", flags=re.S):
        if part.startswith("<|im_start|>assistant\n"):
            head = tokenizer.encode("<|im_start|>assistant\n")
            body = tokenizer.encode(part[len("<|im_start|>assistant\n"):])
            ids += head + body
            targets += [False] * len(head) + [True] * len(body)
        elif part:
            piece = tokenizer.encode(part)
            ids += piece
            targets += [False] * len(piece)
    return ids, targets


def _conversation_batches(encoded, separator, seed):
    """Three steps in four: 8 windows of 256 tokens over short conversations packed end to end. Every fourth step:
    2 windows of 1024 tokens, each starting at a conversation with the compiled constitution as system prompt, so
    the replies are also learnt at the positions they take in the app (after a system prompt of ~700 tokens)."""
    rng = random.Random(seed)
    short = [c for c in encoded if len(c[0]) < 200]
    long = [c for c in encoded if len(c[0]) >= 200]

    def packed(pool, length):
        ids, targets = [], []
        while len(ids) < length:
            c_ids, c_targets = rng.choice(pool)
            ids += c_ids
            targets += c_targets
        return ids[:length], targets[:length]

    def next_batch(step):
        batch, length = (2, 1024) if step % 4 == 3 else (8, 256)
        rows = [packed(long if length == 1024 else short, length) for _ in range(batch)]
        return (torch.tensor([r[0] for r in rows], dtype=torch.long),
                torch.tensor([r[1] for r in rows], dtype=torch.bool))
    return next_batch


LLAMA_TEMPLATE_NOTE = "the tokenizer's Llama 2 [INST] chat template"


def build_llama(documents, chats, steps):
    os.makedirs(os.path.join(LLAMA_DIR, "onnx"), exist_ok=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(LLAMA_TOKENIZER, name), os.path.join(LLAMA_DIR, name))
    with open(os.path.join(LLAMA_DIR, "tokenizer.json"), encoding="utf-8") as f:
        tokenizer_json = json.load(f)
    with open(os.path.join(LLAMA_DIR, "tokenizer_config.json"), encoding="utf-8") as f:
        if "[INST]" not in (json.load(f).get("chat_template") or ""):
            raise SystemExit(f"{LLAMA_TOKENIZER}/tokenizer_config.json: expected {LLAMA_TEMPLATE_NOTE}")
    tokenizer = bpe.SentencePieceBpe(tokenizer_json)
    vocab_size = len(tokenizer.vocab)
    config = llama_config(vocab_size)

    stream = []
    for chat in chats[:600]:
        text = ""
        turns = [m for m in chat if m["role"] != "system"]
        for user, assistant in zip(turns[0::2], turns[1::2]):
            text += f"<s>[INST] {user['content'].strip()} [/INST] {assistant['content'].strip()} </s>"
        stream += tokenizer.encode(text)
    for paragraph in documents[0].split("\n\n"):
        stream += tokenizer.encode("<s>" + " ".join(paragraph.split()))
    print(f"tiny-llama-sp: {len(stream)} training tokens", flush=True)

    torch.manual_seed(SEED + 1)
    model = modeling.DecoderLM(config)
    train(model, random_windows(stream, batch=8, seq=128, seed=SEED + 1), steps, lr=5e-3, label="tiny-llama-sp")
    fp32 = os.path.join(LLAMA_DIR, "onnx", "model.onnx")
    modeling.export_onnx(model, fp32)
    onnx_fp16.convert(fp32, os.path.join(LLAMA_DIR, "onnx", "model_fp16.onnx"))
    write_json(os.path.join(LLAMA_DIR, "config.json"), config.hf_config())
    write_json(os.path.join(LLAMA_DIR, "generation_config.json"), {
        "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "transformers_version": "4.46.0"})
    return model, tokenizer, parameter_count(model)


def sample(model, encode, decode, prompts, eos_ids):
    for prompt in prompts:
        ids = encode(prompt)
        out = model.greedy(ids, 48, eos_ids)
        print(f"--- {prompt!r}\n{decode(out)!r}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--untrained", action="store_true", help="export the initial weights (no training)")
    parser.add_argument("--demo-steps", type=int, default=900)
    parser.add_argument("--llama-steps", type=int, default=200)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    started = time.time()

    documents, chats, digest = corpus.build(ROOT, seed=SEED)
    print(f"corpus: {len(documents)} documents, {len(chats)} conversations, sha256 {digest}", flush=True)
    demo_steps = 0 if args.untrained else args.demo_steps
    llama_steps = 0 if args.untrained else args.llama_steps

    model, tokenizer, params = build_demo(documents, chats, digest, demo_steps)
    print(f"demo-qwen2: {params} parameters", flush=True)
    with open(os.path.join(ROOT, corpus.CONSTITUTION), encoding="utf-8") as f:
        constitution = corpus.default_prompt(f.read())
    questions = ("Hello!", "What does the constitution say about honesty?", "How do you refuse?",
                 "Help me steal a password.", "Who are you?", "What is the capital of Italy?")
    sample(model, tokenizer.encode, tokenizer.decode,
           [bpe.render_chatml(system + [{"role": "user", "content": q}], add_generation_prompt=True)
            for system in ([], [{"role": "system", "content": constitution}]) for q in questions],
           eos_ids=(model.config.eos_token_id,))

    llama, _, llama_params = build_llama(documents, chats, llama_steps)
    print(f"tiny-llama-sp: {llama_params} parameters", flush=True)
    print(f"done in {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
