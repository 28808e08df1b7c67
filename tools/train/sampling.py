"""Flow-matching sampling as the engine does it: shifted sigmas, Euler steps, CFG, expert choice
by timestep."""

import torch


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
