"""Model code shared by the fixture generator, the trainers, the exporter and torch_reference.

Everything here is plain PyTorch 1.13 that exports cleanly to ONNX opset 17:
- LayerNorm is written by hand (nn.LayerNorm(elementwise_affine=False) exports an invalid graph
  with torch 1.13, see /work/shared/reference/onnxruntime-node-electron.md);
- attention is explicit matmul + softmax;
- reshapes keep the batch axis dynamic.

A "transformer" is embed -> block lists -> final, exactly the split the engine runs
(docs/model-package.md). Block forward patterns follow CacheDiT's ForwardPattern:
  Pattern_0: (H, E) -> (H, E)      Pattern_1: (H, E) -> (E, H)     Pattern_2: (H, E) -> H
  Pattern_3: H -> H                Pattern_4: H -> (H, E)           Pattern_5: H -> (E, H)
All blocks also take the context tensor `temb` [B, D] from the embed graph.
"""
import json
import math
import re

import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------- vocabulary

COLORS = ["red", "green", "blue", "yellow", "purple", "orange", "white", "black"]
SHAPES = ["circle", "square", "triangle"]
POSITIONS = ["top left", "top", "top right", "left", "center", "right",
             "bottom left", "bottom", "bottom right"]
DIRECTIONS = ["left", "right", "up", "down"]

SPECIAL = ["[PAD]", "[UNK]"]
WORDS = sorted(set(
    "a at the on background moving".split() + COLORS + SHAPES + DIRECTIONS
    + [w for p in POSITIONS for w in p.split()]))
VOCAB = {tok: i for i, tok in enumerate(SPECIAL + WORDS)}
PAD_ID, UNK_ID = 0, 1


class WordTokenizer:
    """Python twin of the tokenizer.json we write (Lowercase, Whitespace, WordLevel, pad right)."""

    _split = re.compile(r"\w+|[^\w\s]+")

    def __init__(self, vocab=VOCAB, max_length=16):
        self.vocab = dict(vocab)
        self.max_length = max_length

    def encode(self, text):
        ids = [self.vocab.get(w, UNK_ID) for w in self._split.findall(text.lower())]
        ids = ids[: self.max_length]
        return ids + [PAD_ID] * (self.max_length - len(ids))

    def __call__(self, texts):
        return torch.tensor([self.encode(t) for t in texts], dtype=torch.int64)


def tokenizer_json(vocab=VOCAB, max_length=16):
    """A Hugging Face tokenizers `tokenizer.json` (WordLevel) as a dict."""
    def added(i, tok):
        return {"id": i, "content": tok, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}
    return {
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": max_length,
                       "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": max_length}, "direction": "Right",
                    "pad_to_multiple_of": None, "pad_id": PAD_ID, "pad_type_id": 0,
                    "pad_token": "[PAD]"},
        "added_tokens": [added(PAD_ID, "[PAD]"), added(UNK_ID, "[UNK]")],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


# ----------------------------------------------------------------------------- primitives

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


# ----------------------------------------------------------------------------- text encoder

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


# ----------------------------------------------------------------------------- embed / final

def patchify(latent, patch):
    """[B,C,H,W] or [B,C,F,H,W] -> [B, N, C*pt*ph*pw] (token order f, h, w)."""
    if latent.dim() == 4:
        latent = latent.unsqueeze(2)
    b, c, f, h, w = latent.shape
    pt, ph, pw = patch
    x = latent.reshape(b, c, f // pt, pt, h // ph, ph, w // pw, pw)
    x = x.permute(0, 2, 4, 6, 1, 3, 5, 7)
    return x.reshape(b, (f // pt) * (h // ph) * (w // pw), c * pt * ph * pw)


def unpatchify(x, patch, shape):
    """Inverse of patchify; shape = (C,H,W) or (C,F,H,W) of one sample."""
    video = len(shape) == 4
    c, f, h, w = shape if video else (shape[0], 1, shape[1], shape[2])
    pt, ph, pw = patch
    b = x.shape[0]
    x = x.reshape(b, f // pt, h // ph, w // pw, c, pt, ph, pw)
    x = x.permute(0, 4, 1, 5, 2, 6, 3, 7).reshape(b, c, f, h, w)
    return x if video else x.reshape(b, c, h, w)


class Embed(nn.Module):
    """latent, timestep, text_hidden -> hidden_states, [encoder_hidden_states], temb."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        D, Dt = cfg["dim"], cfg["text_dim"]
        c, f, h, w = cfg["latent_shape"]
        pt, ph, pw = cfg["patch"]
        grid = [f // pt, h // ph, w // pw] if cfg["kind"] == "video" else [h // ph, w // pw]
        self.x_in = nn.Linear(c * pt * ph * pw, D)
        self.pos = nn.Parameter(sincos_pos(grid, D) * 0.5)
        self.t_fc1 = nn.Linear(cfg["t_freq"], D)
        self.t_fc2 = nn.Linear(D, D)
        self.pool_fc = nn.Linear(Dt, D)
        self.encoder_stream = cfg["encoder_stream"]
        if self.encoder_stream:
            self.ctx_in = nn.Linear(Dt, D)

    def forward(self, latent, timestep, text_hidden):
        hs = self.x_in(patchify(latent, self.cfg["patch"])) + self.pos.unsqueeze(0)
        temb = self.t_fc2(F.silu(self.t_fc1(timestep_embedding(
            timestep, self.cfg["t_freq"], self.cfg.get("t_scale", 1000.0),
            self.cfg.get("t_max_period", 10000.0)))))
        temb = temb + self.pool_fc(text_hidden.mean(1))
        if self.encoder_stream:
            return hs, self.ctx_in(text_hidden), temb
        return hs, temb


class Final(nn.Module):
    """hidden_states, temb -> velocity (latent-shaped)."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        D = cfg["dim"]
        c = cfg["latent_shape"][0]
        pt, ph, pw = cfg["patch"]
        self.mod = nn.Linear(D, 2 * D)
        self.out = nn.Linear(D, c * pt * ph * pw)

    def forward(self, hidden_states, temb):
        shift, scale = self.mod(F.silu(temb)).chunk(2, dim=-1)
        x = self.out(modulate(layer_norm(hidden_states), shift, scale))
        shape = self.cfg["latent_shape"]
        shape = tuple(shape) if self.cfg["kind"] == "video" else (shape[0], shape[2], shape[3])
        return unpatchify(x, self.cfg["patch"], shape)


# ----------------------------------------------------------------------------- blocks

class DoubleStreamBlock(nn.Module):
    """FLUX double-stream block: joint attention over [E; H], separate weights per stream.
    Pattern_1 returns (E, H); Pattern_0 returns (H, E)."""

    def __init__(self, dim, heads, mlp_ratio, pattern="Pattern_1"):
        super().__init__()
        self.heads, self.pattern = heads, pattern
        self.mod_h = nn.Linear(dim, 6 * dim)
        self.mod_e = nn.Linear(dim, 6 * dim)
        self.qkv_h = nn.Linear(dim, 3 * dim)
        self.qkv_e = nn.Linear(dim, 3 * dim)
        self.qn_h, self.kn_h = QKNorm(dim, heads), QKNorm(dim, heads)
        self.qn_e, self.kn_e = QKNorm(dim, heads), QKNorm(dim, heads)
        self.proj_h = nn.Linear(dim, dim)
        self.proj_e = nn.Linear(dim, dim)
        self.mlp_h = MLP(dim, mlp_ratio)
        self.mlp_e = MLP(dim, mlp_ratio)

    def forward(self, hidden_states, encoder_hidden_states, temb):
        h, e = hidden_states, encoder_hidden_states
        t = F.silu(temb)
        sh1, sc1, g1, sh2, sc2, g2 = self.mod_h(t).chunk(6, dim=-1)
        esh1, esc1, eg1, esh2, esc2, eg2 = self.mod_e(t).chunk(6, dim=-1)
        qh, kh, vh = self.qkv_h(modulate(layer_norm(h), sh1, sc1)).chunk(3, dim=-1)
        qe, ke, ve = self.qkv_e(modulate(layer_norm(e), esh1, esc1)).chunk(3, dim=-1)
        q = torch.cat([self.qn_e(qe), self.qn_h(qh)], dim=1)
        k = torch.cat([self.kn_e(ke), self.kn_h(kh)], dim=1)
        v = torch.cat([ve, vh], dim=1)
        a = attention(q, k, v, self.heads)
        n_e = e.shape[1]
        ae, ah = a[:, :n_e], a[:, n_e:]
        h = h + g1.unsqueeze(1) * self.proj_h(ah)
        e = e + eg1.unsqueeze(1) * self.proj_e(ae)
        h = h + g2.unsqueeze(1) * self.mlp_h(modulate(layer_norm(h), sh2, sc2))
        e = e + eg2.unsqueeze(1) * self.mlp_e(modulate(layer_norm(e), esh2, esc2))
        return (e, h) if self.pattern == "Pattern_1" else (h, e)


class SingleStreamBlock(nn.Module):
    """FLUX single-stream block, patched as cache-dit does: takes (H, E), runs on [E; H] with
    parallel attention + MLP, splits at the text length and returns (E, H) (Pattern_1)."""

    def __init__(self, dim, heads, mlp_ratio, pattern="Pattern_1"):
        super().__init__()
        self.heads, self.pattern = heads, pattern
        self.mod = nn.Linear(dim, 3 * dim)
        self.lin1 = nn.Linear(dim, 3 * dim + mlp_ratio * dim)
        self.qn, self.kn = QKNorm(dim, heads), QKNorm(dim, heads)
        self.lin2 = nn.Linear(dim + mlp_ratio * dim, dim)
        self.dim = dim

    def forward(self, hidden_states, encoder_hidden_states, temb):
        n_e = encoder_hidden_states.shape[1]
        x = torch.cat([encoder_hidden_states, hidden_states], dim=1)
        sh, sc, g = self.mod(F.silu(temb)).chunk(3, dim=-1)
        y = self.lin1(modulate(layer_norm(x), sh, sc))
        d = self.dim
        q, k, v, m = y[..., :d], y[..., d:2 * d], y[..., 2 * d:3 * d], y[..., 3 * d:]
        a = attention(self.qn(q), self.kn(k), v, self.heads)
        x = x + g.unsqueeze(1) * self.lin2(torch.cat([a, F.gelu(m, approximate="tanh")], dim=-1))
        return x[:, :n_e], x[:, n_e:]


class CrossAttnBlock(nn.Module):
    """Wan-style block (Pattern_2): modulated self-attention, cross-attention to the text,
    modulated MLP. Returns H only."""

    def __init__(self, dim, heads, mlp_ratio, pattern="Pattern_2"):
        super().__init__()
        self.heads, self.pattern = heads, pattern
        self.mod = nn.Linear(dim, 6 * dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.qn, self.kn = QKNorm(dim, heads), QKNorm(dim, heads)
        self.proj = nn.Linear(dim, dim)
        self.cq = nn.Linear(dim, dim)
        self.ckv = nn.Linear(dim, 2 * dim)
        self.cqn, self.ckn = QKNorm(dim, heads), QKNorm(dim, heads)
        self.cproj = nn.Linear(dim, dim)
        self.mlp = MLP(dim, mlp_ratio)

    def forward(self, hidden_states, encoder_hidden_states, temb):
        h = hidden_states
        sh1, sc1, g1, sh2, sc2, g2 = self.mod(F.silu(temb)).chunk(6, dim=-1)
        q, k, v = self.qkv(modulate(layer_norm(h), sh1, sc1)).chunk(3, dim=-1)
        h = h + g1.unsqueeze(1) * self.proj(attention(self.qn(q), self.kn(k), v, self.heads))
        ck, cv = self.ckv(encoder_hidden_states).chunk(2, dim=-1)
        cq = self.cq(layer_norm(h))
        h = h + self.cproj(attention(self.cqn(cq), self.ckn(ck), cv, self.heads))
        h = h + g2.unsqueeze(1) * self.mlp(modulate(layer_norm(h), sh2, sc2))
        return h


class SelfAttnBlock(nn.Module):
    """DiT block on H only. Pattern_3 returns H; Pattern_4 returns (H, E) and Pattern_5 (E, H),
    where E = a projection of the block's output (the block *produces* an encoder stream)."""

    def __init__(self, dim, heads, mlp_ratio, pattern="Pattern_3"):
        super().__init__()
        self.heads, self.pattern = heads, pattern
        self.mod = nn.Linear(dim, 6 * dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.qn, self.kn = QKNorm(dim, heads), QKNorm(dim, heads)
        self.proj = nn.Linear(dim, dim)
        self.mlp = MLP(dim, mlp_ratio)
        if pattern in ("Pattern_4", "Pattern_5"):
            self.e_out = nn.Linear(dim, dim)

    def forward(self, hidden_states, temb):
        h = hidden_states
        sh1, sc1, g1, sh2, sc2, g2 = self.mod(F.silu(temb)).chunk(6, dim=-1)
        q, k, v = self.qkv(modulate(layer_norm(h), sh1, sc1)).chunk(3, dim=-1)
        h = h + g1.unsqueeze(1) * self.proj(attention(self.qn(q), self.kn(k), v, self.heads))
        h = h + g2.unsqueeze(1) * self.mlp(modulate(layer_norm(h), sh2, sc2))
        if self.pattern == "Pattern_3":
            return h
        e = self.e_out(layer_norm(h))
        return (h, e) if self.pattern == "Pattern_4" else (e, h)


BLOCK_TYPES = {"double": DoubleStreamBlock, "single": SingleStreamBlock,
               "cross": CrossAttnBlock, "self": SelfAttnBlock}

PATTERN_IO = {  # inputs (besides context tensors), outputs in order
    "Pattern_0": (["hidden_states", "encoder_hidden_states"],
                  ["hidden_states_out", "encoder_hidden_states_out"]),
    "Pattern_1": (["hidden_states", "encoder_hidden_states"],
                  ["encoder_hidden_states_out", "hidden_states_out"]),
    "Pattern_2": (["hidden_states", "encoder_hidden_states"], ["hidden_states_out"]),
    "Pattern_3": (["hidden_states"], ["hidden_states_out"]),
    "Pattern_4": (["hidden_states"], ["hidden_states_out", "encoder_hidden_states_out"]),
    "Pattern_5": (["hidden_states"], ["encoder_hidden_states_out", "hidden_states_out"]),
}


def run_block(block, pattern, h, e, temb):
    """Call a block and return the new (h, e) whatever its pattern."""
    if pattern == "Pattern_0":
        return block(h, e, temb)
    if pattern == "Pattern_1":
        e2, h2 = block(h, e, temb)
        return h2, e2
    if pattern == "Pattern_2":
        return block(h, e, temb), e
    if pattern == "Pattern_3":
        return block(h, temb), e
    if pattern == "Pattern_4":
        return block(h, temb)
    e2, h2 = block(h, temb)
    return h2, e2


class Transformer(nn.Module):
    """embed -> block lists -> final. cfg keys: kind, latent_shape (C,F,H,W), patch (pt,ph,pw),
    dim, heads, mlp_ratio, text_dim, t_freq, encoder_stream, lists [[name, pattern, type, n]]."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed = Embed(cfg)
        self.lists = nn.ModuleList()
        for name, pattern, btype, n in cfg["lists"]:
            self.lists.append(nn.ModuleList([
                BLOCK_TYPES[btype](cfg["dim"], cfg["heads"], cfg["mlp_ratio"], pattern)
                for _ in range(n)]))
        self.final = Final(cfg)

    def forward(self, latent, timestep, text_hidden):
        out = self.embed(latent, timestep, text_hidden)
        if self.cfg["encoder_stream"]:
            h, e, temb = out
        else:
            (h, temb), e = out, None
        for (name, pattern, btype, n), blocks in zip(self.cfg["lists"], self.lists):
            for b in blocks:
                h, e = run_block(b, pattern, h, e, temb)
        return self.final(h, temb)

    def front_residual(self, latent, timestep, text_hidden, n):
        """What DBCache probes: hidden_states after the first n blocks (lists in order, as when
        they are merged) minus hidden_states entering them."""
        return self.front_residuals(latent, timestep, text_hidden, [n])[0]

    def front_residuals(self, latent, timestep, text_hidden, depths):
        """front_residual at several depths from one forward pass (the smoothness term asks for
        the probe's and the whole stack's residual; running the blocks twice would double its
        cost)."""
        out = self.embed(latent, timestep, text_hidden)
        if self.cfg["encoder_stream"]:
            h, e, temb = out
        else:
            (h, temb), e = out, None
        h0, k, found = h, 0, {}
        for (name, pattern, btype, nb), blocks in zip(self.cfg["lists"], self.lists):
            for b in blocks:
                if k in depths:
                    found[k] = h - h0
                if k >= max(depths):
                    return [found[d] for d in depths]
                h, e = run_block(b, pattern, h, e, temb)
                k += 1
        return [found.get(d, h - h0) for d in depths]


# ----------------------------------------------------------------------------- autoencoder

class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.c1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return x + self.c2(F.silu(self.c1(F.silu(x))))


class ImageDecoder(nn.Module):
    """[B,C,h,w] latent -> [B,3,h*2^k,w*2^k] in [0,1]. Latents are stored pre-scaled: the decoder
    divides by `scale` first so the DiT sees unit-variance latents."""

    def __init__(self, latent_ch=4, ch=64, ups=2, scale=1.0):
        super().__init__()
        self.arch = {"type": "image", "latent_ch": latent_ch, "ch": ch, "ups": ups}
        self.register_buffer("scale", torch.tensor(float(scale)))
        layers = [nn.Conv2d(latent_ch, ch, 3, padding=1), ResBlock(ch)]
        c = ch
        for i in range(ups):
            c2 = max(ch // (2 ** (i + 1)), 16)
            layers += [nn.SiLU(), nn.ConvTranspose2d(c, c2, 2, stride=2), ResBlock(c2)]
            c = c2
        layers += [nn.SiLU(), nn.Conv2d(c, 3, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, latent):
        return torch.sigmoid(self.net(latent / self.scale))


class ImageEncoder(nn.Module):
    def __init__(self, latent_ch=4, ch=64, downs=2):
        super().__init__()
        c = max(ch // (2 ** downs), 16)
        layers = [nn.Conv2d(3, c, 3, padding=1), ResBlock(c)]
        for i in range(downs):
            c2 = max(ch // (2 ** (downs - i - 1)), 16)
            layers += [nn.SiLU(), nn.Conv2d(c, c2, 2, stride=2), ResBlock(c2)]
            c = c2
        layers += [nn.SiLU(), nn.Conv2d(c, latent_ch, 3, padding=1)]
        self.net = nn.Sequential(*layers)

    def forward(self, img):
        return self.net(img * 2 - 1)


class VideoDecoder(nn.Module):
    """Per-frame image decoder: [B,C,F,h,w] -> [B,3,F,H,W]."""

    def __init__(self, image_decoder):
        super().__init__()
        self.arch = dict(image_decoder.arch, type="video")
        self.dec = image_decoder

    def forward(self, latent):
        b, c, f, h, w = latent.shape
        x = latent.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)
        y = self.dec(x)
        return y.reshape(b, f, 3, y.shape[-2], y.shape[-1]).permute(0, 2, 1, 3, 4)


# ----------------------------------------------------------------------------- sampling

def flow_sigmas(steps, shift):
    """Shifted flow-match sigmas as float64 python floats, with the final 0 appended."""
    out = []
    for i in range(steps):
        s = 1.0 - i / steps
        out.append(shift * s / (1.0 + (shift - 1.0) * s))
    return out + [0.0]


def pick_expert(experts, sigma):
    """experts: list of (timestepRange, module); first whose range contains sigma."""
    for (lo, hi), m in experts:
        if lo <= sigma <= hi:
            return m
    raise ValueError(f"no transformer serves sigma {sigma}")


@torch.no_grad()
def sample(text_encoder, experts, ids_cond, ids_uncond, noise, steps, shift, guidance,
           separate_cfg=True, cache=None):
    """Flow-match Euler sampling with CFG, mirroring the engine (docs/model-package.md).
    experts: [((lo,hi), Transformer)]. Returns the final latent. `cache` optional hook
    (see torch_reference.py) called as cache(model, branch, x, t, text) -> v."""
    th_c = text_encoder(ids_cond)
    th_u = text_encoder(ids_uncond)
    sig = flow_sigmas(steps, shift)
    x = noise.clone().float()
    b = x.shape[0]
    for i in range(steps):
        m = pick_expert(experts, sig[i])
        t = torch.full((b,), sig[i], dtype=torch.float32)
        call = (lambda mm, br, xx, tt, th: mm(xx, tt, th)) if cache is None else cache
        if guidance == 1.0:
            v = call(m, "cond", x, t, th_c)
        elif separate_cfg:
            vc = call(m, "cond", x, t, th_c)
            vu = call(m, "uncond", x, t, th_u)
            v = vu + guidance * (vc - vu)
        else:
            vv = call(m, "batch", torch.cat([x, x]), torch.cat([t, t]), torch.cat([th_c, th_u]))
            vc, vu = vv[:b], vv[b:]
            v = vu + guidance * (vc - vu)
        x = x + (sig[i + 1] - sig[i]) * v
    return x


def save_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)
