"""The small text encoder: token ids -> hidden states the transformers attend to."""

import torch
import torch.nn as nn

from .layers import MLP, attention, layer_norm


class TextEncoderLayer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.mlp = MLP(dim, 2)

    def forward(self, x):
        q, k, v = self.qkv(layer_norm(x)).chunk(3, dim=-1)
        x = x + self.proj(attention(q, k, v, self.heads))
        return x + self.mlp(layer_norm(x))


class TextEncoder(nn.Module):
    """input_ids [B,L] int64 -> text_hidden [B,L,Dt]."""

    def __init__(self, vocab_size, max_length, dim, heads=2, layers=2):
        super().__init__()
        self.arch = {"vocab_size": vocab_size, "max_length": max_length, "dim": dim,
                     "heads": heads, "layers": layers}
        self.tok = nn.Embedding(vocab_size, dim)
        self.pos = nn.Parameter(torch.randn(max_length, dim) * 0.02)
        self.layers = nn.ModuleList([TextEncoderLayer(dim, heads) for _ in range(layers)])

    def forward(self, input_ids):
        x = self.tok(input_ids) + self.pos.unsqueeze(0)
        for layer in self.layers:
            x = layer(x)
        return layer_norm(x)
