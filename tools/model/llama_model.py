"""A small llama-architecture decoder in PyTorch, laid out like llama.cpp's `llama` arch.

RMSNorm -> attention (RoPE on adjacent pairs, i.e. llama.cpp's "normal" rope mode, so no q/k
permutation is needed at export) -> residual, RMSNorm -> SwiGLU FFN -> residual; final RMSNorm and
an untied output projection. No biases. Layer names map 1:1 onto GGUF tensor names (export_gguf.py).
"""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class Config:
    vocab_size: int
    dim: int = 256
    n_layers: int = 6
    n_heads: int = 8
    ffn_dim: int = 688
    context: int = 256
    rope_base: float = 10000.0
    norm_eps: float = 1e-5

    def to_dict(self):
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(head_dim: int, context: int, base: float):
    # pair i rotates by pos * base^(-2i/head_dim), the same angles ggml_rope uses in mode 0
    inv_freq = base ** (-torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim)
    angles = torch.arange(context, dtype=torch.float64)[:, None] * inv_freq[None, :]
    return torch.cos(angles).float(), torch.sin(angles).float()


def apply_rope(x, cos, sin):
    # x: (batch, heads, time, head_dim); rotate (x[2i], x[2i+1]) pairs
    t = x.shape[2]
    x2 = x.reshape(*x.shape[:-1], -1, 2)
    a, b = x2[..., 0], x2[..., 1]
    c, s = cos[:t], sin[:t]
    out = torch.stack((a * c - b * s, a * s + b * c), dim=-1)
    return out.reshape(x.shape)


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.n_heads = cfg.n_heads
        self.head_dim = cfg.dim // cfg.n_heads
        self.attn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attn_q = nn.Linear(cfg.dim, cfg.dim, bias=False)
        self.attn_k = nn.Linear(cfg.dim, cfg.dim, bias=False)
        self.attn_v = nn.Linear(cfg.dim, cfg.dim, bias=False)
        self.attn_output = nn.Linear(cfg.dim, cfg.dim, bias=False)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.ffn_gate = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)
        self.ffn_up = nn.Linear(cfg.dim, cfg.ffn_dim, bias=False)
        self.ffn_down = nn.Linear(cfg.ffn_dim, cfg.dim, bias=False)

    def forward(self, x, cos, sin, mask):
        bsz, t, d = x.shape
        h = self.attn_norm(x)
        q = self.attn_q(h).view(bsz, t, self.n_heads, self.head_dim).transpose(1, 2)
        k = self.attn_k(h).view(bsz, t, self.n_heads, self.head_dim).transpose(1, 2)
        v = self.attn_v(h).view(bsz, t, self.n_heads, self.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        att = att.masked_fill(mask[:t, :t], float('-inf')).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(bsz, t, d)
        x = x + self.attn_output(y)
        h = self.ffn_norm(x)
        return x + self.ffn_down(F.silu(self.ffn_gate(h)) * self.ffn_up(h))


class LlamaLM(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        if cfg.dim % cfg.n_heads or (cfg.dim // cfg.n_heads) % 2:
            raise ValueError('dim must split into heads of even size')
        self.cfg = cfg
        self.token_embd = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.output_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.output = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        cos, sin = rope_tables(cfg.dim // cfg.n_heads, cfg.context, cfg.rope_base)
        self.register_buffer('rope_cos', cos, persistent=False)
        self.register_buffer('rope_sin', sin, persistent=False)
        mask = torch.triu(torch.ones(cfg.context, cfg.context, dtype=torch.bool), diagonal=1)
        self.register_buffer('causal_mask', mask, persistent=False)
        self.apply(self._init)
        for blk in self.blocks:  # scale residual projections down with depth (GPT-2 style)
            nn.init.normal_(blk.attn_output.weight, std=0.02 / math.sqrt(2 * cfg.n_layers))
            nn.init.normal_(blk.ffn_down.weight, std=0.02 / math.sqrt(2 * cfg.n_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, idx):
        x = self.token_embd(idx)
        for blk in self.blocks:
            x = blk(x, self.rope_cos, self.rope_sin, self.causal_mask)
        return self.output(self.output_norm(x))

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    @torch.no_grad()
    def greedy(self, ids: list[int], n_new: int) -> list[int]:
        out = list(ids)
        for _ in range(n_new):
            window = out[-self.cfg.context:]
            logits = self(torch.tensor([window]))[0, -1]
            out.append(int(logits.argmax()))
        return out[len(ids):]
