"""A Qwen2 / Llama style decoder in PyTorch, small enough to train on a CPU, and its ONNX export.

The layer follows the Hugging Face implementations: RMSNorm before attention and MLP, rotary embeddings applied
with rotate_half on the two halves of each head, grouped-query attention (key/value heads shared by groups of
query heads), a SwiGLU MLP, and optional q/k/v bias (Qwen2 has it, Llama does not). Parameter names match
transformers' so the config.json we write describes the same model.

The export has the interface of Optimum's "text-generation-with-past" decoders that transformers.js runs:
input_ids, attention_mask (past + new positions), position_ids and past_key_values.{i}.key/value in, logits and
present.{i}.key/value out, with every length dynamic and an empty past allowed.
"""

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
import torch.nn.functional as F


@dataclass
class Config:
    model_type: str
    vocab_size: int
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    max_position_embeddings: int
    rope_theta: float
    rms_norm_eps: float
    tie_word_embeddings: bool
    attention_bias: bool
    bos_token_id: int
    eos_token_id: int

    def hf_config(self, extra=None):
        """config.json as transformers and transformers.js read it."""
        architectures = {"qwen2": "Qwen2ForCausalLM", "llama": "LlamaForCausalLM"}[self.model_type]
        d = asdict(self)
        d.pop("attention_bias")
        config = {"architectures": [architectures], **d, "hidden_act": "silu", "initializer_range": 0.02,
                  "torch_dtype": "float32", "use_cache": True, "transformers_version": "4.46.0"}
        if self.model_type == "qwen2":
            config.update({"use_sliding_window": False, "sliding_window": None, "max_window_layers": self.num_hidden_layers,
                           "attention_dropout": 0.0})
        else:
            config.update({"attention_bias": False, "mlp_bias": False, "attention_dropout": 0.0,
                           "pretraining_tp": 1, "rope_scaling": None})
        config.update(extra or {})
        return dict(sorted(config.items()))


class RMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, self.heads * self.head_dim, bias=c.attention_bias)
        self.k_proj = nn.Linear(c.hidden_size, self.kv_heads * self.head_dim, bias=c.attention_bias)
        self.v_proj = nn.Linear(c.hidden_size, self.kv_heads * self.head_dim, bias=c.attention_bias)
        self.o_proj = nn.Linear(self.heads * self.head_dim, c.hidden_size, bias=False)

    def forward(self, x, cos, sin, mask, past_key, past_value):
        b, s = x.shape[0], x.shape[1]
        q = self.q_proj(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # The cache holds keys after the rotation, as in transformers.
        k = torch.cat([past_key, k], dim=2)
        v = torch.cat([past_value, v], dim=2)
        present = (k, v)
        groups = self.heads // self.kv_heads
        t = k.shape[2]
        k = k.unsqueeze(2).expand(-1, -1, groups, -1, -1).reshape(b, self.heads, t, self.head_dim)
        v = v.unsqueeze(2).expand(-1, -1, groups, -1, -1).reshape(b, self.heads, t, self.head_dim)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.head_dim)
        # A large finite negative rather than -inf: a fully masked row (left padding) gives a uniform
        # distribution instead of NaN.
        scores = scores.masked_fill(~mask, -1e9)
        out = torch.matmul(torch.softmax(scores, dim=-1), v)
        out = out.transpose(1, 2).reshape(b, s, self.heads * self.head_dim)
        return self.o_proj(out), present


class MLP(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask, past_key, past_value):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, past_key, past_value)
        x = x + a
        return x + self.mlp(self.post_attention_layernorm(x)), present


class DecoderLM(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.config = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.lm_head = None if c.tie_word_embeddings else nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        inv_freq = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2, dtype=torch.float32) / c.head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.apply(self._init)

    @staticmethod
    def _init(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def empty_past(self, batch):
        c = self.config
        empty = torch.zeros(batch, c.num_key_value_heads, 0, c.head_dim)
        return [empty] * (2 * c.num_hidden_layers)

    def forward(self, input_ids, attention_mask, position_ids, *past):
        """past: key, value of layer 0, key, value of layer 1, ...; returns logits and the presents in that order."""
        seq = input_ids.shape[1]
        total = attention_mask.shape[1]
        # Query i sits at cache slot total - seq + i; it sees every earlier slot the attention mask keeps.
        query_slots = torch.arange(seq, device=input_ids.device) + (total - seq)
        key_slots = torch.arange(total, device=input_ids.device)
        causal = key_slots.unsqueeze(0) <= query_slots.unsqueeze(1)
        mask = causal.unsqueeze(0).unsqueeze(0) & attention_mask.bool().unsqueeze(1).unsqueeze(2)

        freqs = position_ids.unsqueeze(-1).float() * self.inv_freq
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().unsqueeze(1), emb.sin().unsqueeze(1)

        x = self.embed_tokens(input_ids)
        presents = []
        for i, layer in enumerate(self.layers):
            x, (k, v) = layer(x, cos, sin, mask, past[2 * i], past[2 * i + 1])
            presents += [k, v]
        x = self.norm(x)
        weight = self.embed_tokens.weight if self.lm_head is None else self.lm_head.weight
        logits = torch.matmul(x, weight.t())
        return (logits, *presents)

    def loss(self, input_ids, target_mask=None):
        """Next-token cross-entropy; with target_mask (same shape, bool), only over the targets it marks."""
        b, s = input_ids.shape
        mask = torch.ones(b, s, dtype=torch.long)
        positions = torch.arange(s).unsqueeze(0).expand(b, s)
        logits = self(input_ids, mask, positions, *self.empty_past(b))[0]
        targets = input_ids[:, 1:].reshape(-1)
        if target_mask is not None:
            targets = targets.masked_fill(~target_mask[:, 1:].reshape(-1), -100)
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), targets, ignore_index=-100)

    @torch.no_grad()
    def greedy(self, ids, max_new_tokens, eos_ids=()):
        """Greedy decoding through the cache, the way the ONNX model is driven; used for samples and checks."""
        past = self.empty_past(1)
        mask = torch.ones(1, 0, dtype=torch.long)
        new = []
        step = torch.tensor([ids])
        for _ in range(max_new_tokens):
            start = mask.shape[1]
            mask = torch.ones(1, start + step.shape[1], dtype=torch.long)
            positions = torch.arange(start, mask.shape[1]).unsqueeze(0)
            logits, *past = self(step, mask, positions, *past)
            token = int(logits[0, -1].argmax())
            new.append(token)
            if token in eos_ids:
                break
            step = torch.tensor([[token]])
        return new


def input_names(c: Config):
    names = ["input_ids", "attention_mask", "position_ids"]
    for i in range(c.num_hidden_layers):
        names += [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
    return names


def output_names(c: Config):
    names = ["logits"]
    for i in range(c.num_hidden_layers):
        names += [f"present.{i}.key", f"present.{i}.value"]
    return names


def export_onnx(model: DecoderLM, path, opset=14):
    """Traces with a non-empty past and a multi-token input, so no length is frozen into the graph."""
    c = model.config
    model.eval()
    batch, past_len, seq = 1, 3, 2
    input_ids = torch.randint(0, c.vocab_size, (batch, seq), generator=torch.Generator().manual_seed(0))
    attention_mask = torch.ones(batch, past_len + seq, dtype=torch.long)
    position_ids = torch.arange(past_len, past_len + seq).unsqueeze(0)
    past = [torch.zeros(batch, c.num_key_value_heads, past_len, c.head_dim) for _ in range(2 * c.num_hidden_layers)]
    dynamic = {"input_ids": {0: "batch_size", 1: "sequence_length"},
               "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
               "position_ids": {0: "batch_size", 1: "sequence_length"},
               "logits": {0: "batch_size", 1: "sequence_length"}}
    for i in range(c.num_hidden_layers):
        for kind in ("key", "value"):
            dynamic[f"past_key_values.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length"}
            dynamic[f"present.{i}.{kind}"] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
    with torch.no_grad():
        torch.onnx.export(model, (input_ids, attention_mask, position_ids, *past), path,
                          input_names=input_names(c), output_names=output_names(c), dynamic_axes=dynamic,
                          opset_version=opset, do_constant_folding=False)
