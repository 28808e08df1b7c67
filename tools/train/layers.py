"""The DiT's building blocks, written so that torch 1.13 exports them to clean ONNX opset 17:
LayerNorm by hand (nn.LayerNorm(elementwise_affine=False) exports an invalid graph with torch 1.13),
attention as explicit matmul + softmax,
reshapes that keep the batch axis dynamic."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def layer_norm(x, eps=1e-6):
    """LayerNorm over the last axis without affine parameters (hand-written for ONNX export)."""
    mu = x.mean(-1, keepdim=True)
    xc = x - mu
    var = (xc * xc).mean(-1, keepdim=True)
    return xc / torch.sqrt(var + eps)


def modulate(x, shift, scale):
    return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)


def attention(q, k, v, heads):
    """q [B,Nq,D], k/v [B,Nk,D] -> [B,Nq,D]; multi-head scaled dot product."""
    b, nq, d = q.shape
    nk = k.shape[1]
    dh = d // heads
    q = q.reshape(b, nq, heads, dh).transpose(1, 2)
    k = k.reshape(b, nk, heads, dh).transpose(1, 2)
    v = v.reshape(b, nk, heads, dh).transpose(1, 2)
    w = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(dh)), dim=-1)
    return torch.matmul(w, v).transpose(1, 2).reshape(b, nq, d)


class QKNorm(nn.Module):
    """Per-head RMS norm of q and k with a learned scale (as FLUX / Wan)."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = nn.Parameter(torch.ones(dim // heads))

    def forward(self, x):
        b, n, d = x.shape
        x = x.reshape(b, n, self.heads, d // self.heads)
        x = x * torch.rsqrt((x * x).mean(-1, keepdim=True) + 1e-6) * self.scale
        return x.reshape(b, n, d)


class MLP(nn.Module):
    def __init__(self, dim, ratio):
        super().__init__()
        self.fc1 = nn.Linear(dim, dim * ratio)
        self.fc2 = nn.Linear(dim * ratio, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x), approximate="tanh"))


def timestep_embedding(t, dim, scale=1000.0, max_period=10000.0):
    """Sinusoidal embedding of t in [0,1]. The defaults are diffusers' (t scaled by 1000, periods
    up to 10000). With them a 28-step schedule moves the fastest features by ~40 rad per step, so
    a small model's modulation jitters from step to step and the step cache sees that jitter as
    change; a model config can ask for lower frequencies (`t_scale`, `t_max_period`)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = (t.float() * scale).unsqueeze(1) * freqs.unsqueeze(0)
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def sincos_pos(n_axes_sizes, dim):
    """Fixed sin-cos position table for a grid (list of axis sizes), [prod(sizes), dim]."""
    grids = torch.meshgrid(*[torch.arange(s, dtype=torch.float32) for s in n_axes_sizes],
                           indexing="ij")
    per = (dim // len(n_axes_sizes)) // 2 * 2
    parts = []
    for g in grids:
        half = per // 2
        freqs = torch.exp(-math.log(100.0) * torch.arange(half, dtype=torch.float32) / half)
        a = g.reshape(-1, 1) * freqs.reshape(1, -1)
        parts += [torch.sin(a), torch.cos(a)]
    pe = torch.cat(parts, dim=1)
    if pe.shape[1] < dim:
        pe = torch.cat([pe, torch.zeros(pe.shape[0], dim - pe.shape[1])], dim=1)
    return pe
