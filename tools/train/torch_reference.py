"""Runs a model package in PyTorch eager (weights read back from its ONNX files via torch.json),
uncached or with a simple DBCache (Fn/Bn, residual-diff threshold, warmup), for benchmarks and
for checking the engine against PyTorch. Its bench modes (`--serve`, the long-lived child `studio bench`
talks to one JSON line at a time, and the one-shot `--bench-json`), which can also time the same
model under torch.compile (`--bench-compile`, PyTorch 2.x), live in torch_bench.py; this command
line starts them.

  PYTHONPATH=tools /usr/bin/python3 -m train.torch_reference --model resources/models/shapes-flux-tiny \
      --prompt "a red circle at the center on a blue background" [--steps 28] [--guidance G]
      [--seed 0] [--cache F8B0|F8B8|F1B0|none] [--threshold 0.08] [--warmup 8]
      [--out out.png] [--check-reference]

Noise: torch.randn(latent shape, generator=manual_seed(seed)), as reference.json's.
"""
import argparse
import functools
import json
import os
import time

import numpy as np
import torch

from .autoencoder import ImageDecoder, VideoDecoder
from .dit import Transformer, run_block
from .sampling import flow_sigmas
from .text_encoder import TextEncoder
from .vocab import WordTokenizer


def _load_weights(module, path, wmap):
    import onnx
    from onnx import numpy_helper
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    sd = module.state_dict()
    missing = [k for k in sd if k not in wmap]
    if missing:
        raise ValueError(f"{path}: no initializer for {missing}")
    new = {}
    for k, v in sd.items():
        name, transposed = wmap[k]
        a = inits[name].astype(np.float32)
        a = a.T if transposed else a
        new[k] = torch.from_numpy(np.ascontiguousarray(a)).reshape(v.shape)
    module.load_state_dict(new)
    module.eval()


def load_package(d):
    """-> manifest, tokenizer, text encoder, [((lo,hi), name, Transformer)], decoder or None."""
    man = json.load(open(os.path.join(d, "model.json")))
    tj = json.load(open(os.path.join(d, "torch.json")))
    w = tj["weights"]
    a = tj["text_encoder"]
    te = TextEncoder(a["vocab_size"], a["max_length"], a["dim"], a["heads"], a["layers"])
    _load_weights(te, os.path.join(d, man["textEncoder"]["file"]), w[man["textEncoder"]["file"]])
    experts = []
    for t, tt in zip(man["transformers"], tj["transformers"]):
        m = Transformer(tt["cfg"])
        _load_weights(m.embed, os.path.join(d, t["embed"]["file"]), w[t["embed"]["file"]])
        for bl, blocks in zip(t["blockLists"], m.lists):
            for f, b in zip(bl["blocks"], blocks):
                _load_weights(b, os.path.join(d, f), w[f])
        _load_weights(m.final, os.path.join(d, t["final"]["file"]), w[t["final"]["file"]])
        experts.append((tuple(t["timestepRange"]), t["name"], m))
    dec = None
    if man.get("decoder"):
        a = tj["decoder"]
        dec = ImageDecoder(a["latent_ch"], a["ch"], a["ups"])
        if a["type"] == "video":
            dec = VideoDecoder(dec)
        _load_weights(dec, os.path.join(d, man["decoder"]["file"]), w[man["decoder"]["file"]])
    return man, WordTokenizer(tj["vocab"], tj["max_length"]), te, experts, dec


class DBCache:
    """DBCache as in CacheDiT (no TaylorSeer): per context, Fn blocks always run; if the relative
    L1 distance of their hidden-state residual to the one of the last computed step is below the
    threshold (after `warmup` steps), the middle blocks are skipped and their cached residual
    added; the last Bn blocks always run."""

    def __init__(self, fn, bn, threshold, warmup, merge=True, ranges=None):
        """ranges(model, name, blocks) -> f(h, e, temb) -> (h, e): how a run of blocks is called
        (default: one by one, eager; the bench passes compiled ones)."""
        self.fn, self.bn, self.threshold, self.warmup, self.merge = fn, bn, threshold, warmup, merge
        self.ranges = ranges or (lambda model, name, blocks: functools.partial(run_range, blocks))
        self.state = {}
        self.trace = []

    def __call__(self, model, branch, x, t, text_hidden, step):
        key = (branch, id(model))
        st = self.state.setdefault(key, {"calls": 0})
        out = model.embed(x, t, text_hidden)
        h, e, temb = out if model.cfg["encoder_stream"] else (out[0], None, out[1])
        blocks = [(pat, b) for (_, pat, _, _), bl in zip(model.cfg["lists"], model.lists) for b in bl]
        n = len(blocks)
        h0 = h
        h, e = self.ranges(model, "front", blocks[: self.fn])(h, e, temb)
        r = h - h0
        diff = None
        if "r" in st:
            diff = ((r - st["r"]).abs().mean() / st["r"].abs().mean().clamp_min(1e-12)).item()
        hit = (diff is not None and st["calls"] >= self.warmup and diff < self.threshold)
        if hit:
            h = h + st["mid_h"]
            if e is not None and st["mid_e"] is not None:
                e = e + st["mid_e"]
        else:
            hm, em = h, e
            h, e = self.ranges(model, "middle", blocks[self.fn: n - self.bn])(h, e, temb)
            st["mid_h"] = h - hm
            st["mid_e"] = (e - em) if (e is not None and em is not None) else None
            st["r"] = r
        if self.bn:
            h, e = self.ranges(model, "back", blocks[n - self.bn:])(h, e, temb)
        st["calls"] += 1
        self.trace.append({"step": step, "branch": branch, "diff": diff, "cached": hit})
        return model.final(h, temb)


def run_range(blocks, h, e, temb):
    """blocks: [(pattern, block)], run in order."""
    for pat, b in blocks:
        h, e = run_block(b, pat, h, e, temb)
    return h, e


@torch.no_grad()
def run(man, tok, te, experts, dec, prompt, negative, steps, guidance, seed, cache=None, noise=None,
        step_ms=None):
    """noise: a latent-shaped tensor to start from instead of the seeded one (the engine's bench
    feeds its own); step_ms: a list that gets each denoising step's wall time in ms."""
    lat = man["latent"]
    shape = ((1, lat["channels"], lat["frames"], lat["height"], lat["width"]) if man["kind"] == "video"
             else (1, lat["channels"], lat["height"], lat["width"]))
    if noise is None:
        noise = torch.randn(*shape, generator=torch.Generator().manual_seed(seed))
    noise = noise.reshape(shape)
    thc, thu = te(tok([prompt])), te(tok([negative]))
    sig = flow_sigmas(steps, man["scheduler"]["shift"])
    x = noise.clone()
    for i in range(steps):
        t_step = time.perf_counter()
        m = next(mm for (lo, hi), _, mm in experts if lo <= sig[i] <= hi)
        t = torch.full((1,), sig[i])
        call = (lambda mm, br, xx, tt, th: mm(xx, tt, th)) if cache is None else (
            lambda mm, br, xx, tt, th: cache(mm, br, xx, tt, th, i))
        vc = call(m, "cond", x, t, thc)
        vu = call(m, "uncond", x, t, thu)
        x = x + (sig[i + 1] - sig[i]) * (vu + guidance * (vc - vu))
        if step_ms is not None:
            step_ms.append((time.perf_counter() - t_step) * 1000)
    img = dec(x) if dec is not None else None
    return noise, x, img


PRESETS = {"none": None, "F8B0": (8, 0, 0.08), "F8B8": (8, 8, 0.12), "F1B0": (1, 0, 0.08)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--prompt")
    ap.add_argument("--negative", default="")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--guidance", type=float)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", default="none", choices=list(PRESETS))
    ap.add_argument("--threshold", type=float)
    ap.add_argument("--warmup", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out")
    ap.add_argument("--check-reference", action="store_true")
    ap.add_argument("--bench-json", help="one-shot bench mode: write timings here")
    ap.add_argument("--serve", action="store_true",
                    help="bench child (used by `studio bench`): warm up, then one JSON command per stdin line")
    ap.add_argument("--noise", help="bench mode: raw float32 initial latent (the engine's noise)")
    ap.add_argument("--bench-caches", default="none,F8B0", help="bench mode: presets, interleaved")
    ap.add_argument("--repeats", type=int, default=2, help="bench mode: timed runs per preset")
    ap.add_argument("--bench-compile", action="store_true",
                    help="bench mode: also time the model under torch.compile (PyTorch 2.x)")
    a = ap.parse_args()
    if a.serve or a.bench_json:
        # Imported here, not at the top: torch_bench imports this module (DBCache, run, PRESETS).
        from .torch_bench import bench_main
        bench_main(a)
        return
    torch.set_num_threads(a.threads)
    man, tok, te, experts, dec = load_package(a.model)
    if a.check_reference:
        ref = json.load(open(os.path.join(a.model, man["reference"]["file"])))
        noise = torch.tensor(ref["noise"]).reshape(ref["latentShape"])
        from .sampling import sample
        x = sample(te, [(r, m) for r, _, m in experts], tok([ref["prompt"]]),
                   tok([ref["negativePrompt"]]), noise, ref["steps"], man["scheduler"]["shift"],
                   ref["guidanceScale"], ref["separateCfg"])
        d = (x.reshape(-1) - torch.tensor(ref["latentOut"])).abs().max().item()
        print(f"reference: latent max|diff| {d:.2e}")
        return
    prompt = a.prompt if a.prompt is not None else (man.get("examples") or [""])[0]
    steps = a.steps or man["defaults"]["steps"]
    g = a.guidance if a.guidance is not None else man["defaults"]["guidanceScale"]
    cache = None
    if PRESETS[a.cache]:
        fn, bn, thr = PRESETS[a.cache]
        cache = DBCache(fn, bn, a.threshold if a.threshold is not None else thr, a.warmup)
    t0 = time.time()
    _, x, img = run(man, tok, te, experts, dec, prompt, a.negative, steps, g, a.seed, cache)
    dt = time.time() - t0
    info = {"prompt": prompt, "steps": steps, "guidance": g, "cache": a.cache, "seconds": dt}
    if cache:
        info["cached_calls"] = sum(tr["cached"] for tr in cache.trace)
        info["calls"] = len(cache.trace)
    print(json.dumps(info))
    if a.out and img is not None:
        from .imgio import save_grid
        im = img[0].numpy()
        frames = im.transpose(1, 0, 2, 3) if im.ndim == 4 else im[None]
        save_grid(a.out, frames, ncol=len(frames), scale=4)


if __name__ == "__main__":
    main()
