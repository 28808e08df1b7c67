"""The diffusion transformers. A "transformer" is embed -> block lists -> final, exactly the
split the engine runs (docs/model-package.md). Block forward patterns follow CacheDiT's
ForwardPattern:
  Pattern_0: (H, E) -> (H, E)      Pattern_1: (H, E) -> (E, H)     Pattern_2: (H, E) -> H
  Pattern_3: H -> H                Pattern_4: H -> (H, E)           Pattern_5: H -> (E, H)
All blocks also take the context tensor `temb` [B, D] from the embed graph.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from .layers import MLP, QKNorm, attention, layer_norm, modulate, sincos_pos, timestep_embedding


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


class ModulatedSelfAttention(nn.Module):
    """What the Wan-style and plain DiT blocks share: adaLN modulation from temb (6 vectors),
    modulated self-attention with QK norm, and the modulated MLP (`mlp_step`)."""

    def __init__(self, dim, heads, mlp_ratio, pattern):
        super().__init__()
        self.heads, self.pattern = heads, pattern
        self.mod = nn.Linear(dim, 6 * dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.qn, self.kn = QKNorm(dim, heads), QKNorm(dim, heads)
        self.proj = nn.Linear(dim, dim)
        # Subclasses add `self.mlp` where their weights were created before, so that a seeded
        # random init (tools/train/make_fixtures.py) draws the same numbers as it always did.

    def attend(self, h, temb):
        """h after the modulated self-attention, and the (shift, scale, gate) of the MLP step."""
        sh1, sc1, g1, sh2, sc2, g2 = self.mod(F.silu(temb)).chunk(6, dim=-1)
        q, k, v = self.qkv(modulate(layer_norm(h), sh1, sc1)).chunk(3, dim=-1)
        h = h + g1.unsqueeze(1) * self.proj(attention(self.qn(q), self.kn(k), v, self.heads))
        return h, (sh2, sc2, g2)

    def mlp_step(self, h, mod2):
        sh2, sc2, g2 = mod2
        return h + g2.unsqueeze(1) * self.mlp(modulate(layer_norm(h), sh2, sc2))


class CrossAttnBlock(ModulatedSelfAttention):
    """Wan-style block (Pattern_2): modulated self-attention, cross-attention to the text,
    modulated MLP. Returns H only."""

    def __init__(self, dim, heads, mlp_ratio, pattern="Pattern_2"):
        super().__init__(dim, heads, mlp_ratio, pattern)
        self.cq = nn.Linear(dim, dim)
        self.ckv = nn.Linear(dim, 2 * dim)
        self.cqn, self.ckn = QKNorm(dim, heads), QKNorm(dim, heads)
        self.cproj = nn.Linear(dim, dim)
        self.mlp = MLP(dim, mlp_ratio)

    def forward(self, hidden_states, encoder_hidden_states, temb):
        h, mod2 = self.attend(hidden_states, temb)
        ck, cv = self.ckv(encoder_hidden_states).chunk(2, dim=-1)
        cq = self.cq(layer_norm(h))
        h = h + self.cproj(attention(self.cqn(cq), self.ckn(ck), cv, self.heads))
        return self.mlp_step(h, mod2)


class SelfAttnBlock(ModulatedSelfAttention):
    """DiT block on H only. Pattern_3 returns H; Pattern_4 returns (H, E) and Pattern_5 (E, H),
    where E = a projection of the block's output (the block *produces* an encoder stream)."""

    def __init__(self, dim, heads, mlp_ratio, pattern="Pattern_3"):
        super().__init__(dim, heads, mlp_ratio, pattern)
        self.mlp = MLP(dim, mlp_ratio)
        if pattern in ("Pattern_4", "Pattern_5"):
            self.e_out = nn.Linear(dim, dim)

    def forward(self, hidden_states, temb):
        h, mod2 = self.attend(hidden_states, temb)
        h = self.mlp_step(h, mod2)
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

    def front_residuals(self, latent, timestep, text_hidden, depths):
        """What DBCache probes, at each depth n in `depths`: hidden_states after the first n blocks
        (lists in order, as when they are merged) minus hidden_states entering them. One forward
        pass for all depths: the smoothness term asks for the probe's and the whole stack's
        residual, and running the blocks once per depth would multiply its cost."""
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
