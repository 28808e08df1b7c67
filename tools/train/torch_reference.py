"""Runs a model package in PyTorch eager (weights read back from its ONNX files via torch.json),
uncached or with a simple DBCache (Fn/Bn, residual-diff threshold, warmup), for benchmarks and
for checking the engine against PyTorch. Bench modes (`--serve`, the long-lived child `studio bench`
talks to one JSON line at a time, and the one-shot `--bench-json`) can also time the same model
under torch.compile (`--bench-compile`, PyTorch 2.x).

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
import sys
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
    proto = None
    if a.serve:
        # The answers go to the real stdout alone; anything else printing to stdout (a library,
        # a compiler's C code) lands on stderr instead of in the middle of a JSON line.
        proto = os.fdopen(os.dup(1), "w")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
    torch.set_num_threads(a.threads)
    man, tok, te, experts, dec = load_package(a.model)
    if a.serve:
        serve(a, man, tok, te, experts, dec, proto)
        return
    if a.bench_json:
        bench(a, man, tok, te, experts, dec)
        return
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


def compiled_experts(experts):
    """torch.compile of each transformer, in the two shapes the bench calls: the whole model as
    one graph (uncached), and for DBCache a copy with embed and final compiled, its blocks run by
    compiled_ranges (DBCache decides in Python between its front, middle and back blocks, where
    dynamo would break the graph anyway). -> ([(range, name, whole)], [(range, name, parts)])."""
    import copy
    whole, parts = [], []
    for r, name, m in experts:
        whole.append((r, name, torch.compile(m)))
        c = copy.deepcopy(m)
        c.embed = torch.compile(c.embed)
        c.final = torch.compile(c.final)
        parts.append((r, name, c))
    return whole, parts


def compiled_ranges():
    """A DBCache `ranges` that compiles each (model, front/middle/back) run of blocks once, as one
    graph, and keeps it across runs."""
    graphs = {}

    def ranges(model, name, blocks):
        key = (id(model), name, len(blocks))
        if key not in graphs:
            graphs[key] = torch.compile(functools.partial(run_range, blocks))
        return graphs[key]
    return ranges


class Bench:
    """The timed side of the bench: one package in eager and, with `compile`, under torch.compile,
    each preset warmed up once (untimed: allocator, first-call paths, compilation), then any number
    of timed runs, each of one (mode, preset). A compiler failure drops the compile mode and says
    why (compile_error); the eager figures stay."""

    # The warm-up needs every code path once (and every graph compiled), not every step: 3 steps
    # (Python is slow).
    WARMUP_STEPS = 3

    def __init__(self, a, man, tok, te, experts, dec, caches, compile):
        self.a, self.man, self.tok, self.te, self.dec = a, man, tok, te, dec
        self.prompt = a.prompt if a.prompt is not None else (man.get("examples") or [""])[0]
        self.steps = a.steps or man["defaults"]["steps"]
        self.guidance = a.guidance if a.guidance is not None else man["defaults"]["guidanceScale"]
        self.noise = None
        if a.noise:
            self.noise = torch.from_numpy(np.fromfile(a.noise, dtype="<f4").copy())
        self.caches = caches
        self.modes = {"eager": (experts, experts)}
        self.ranges = {"eager": None}
        self.compile_error = None
        if compile:
            if not hasattr(torch, "compile"):
                self.compile_error = f"torch {torch.__version__} has no torch.compile (PyTorch 2.x has)"
            else:
                self.modes["compile"] = compiled_experts(experts)
                self.ranges["compile"] = compiled_ranges()
        self.warmup_ms = {m: 0.0 for m in self.modes}

    def warm_up(self):
        for mode in list(self.modes):
            for c in self.caches:
                if mode not in self.modes:
                    break
                t0 = time.perf_counter()
                if self.run(mode, c, min(self.steps, self.WARMUP_STEPS)) is not None:
                    self.warmup_ms[mode] += (time.perf_counter() - t0) * 1000

    def run(self, mode, c, steps=None):
        """One run -> {stepMs, totalMs, cachedCalls, calls, x, img}, or None when torch.compile
        failed (compile_error says why; the mode is gone)."""
        if mode not in self.modes:
            raise ValueError(f"mode {mode!r} is not available"
                             + (f" ({self.compile_error})" if mode == "compile" and self.compile_error else ""))
        if c not in self.caches:
            raise ValueError(f"cache {c!r} was not warmed up (warmed up: {','.join(self.caches)})")
        whole, parts = self.modes[mode]
        cache = None
        if PRESETS[c]:
            fn, bn, thr = PRESETS[c]
            cache = DBCache(fn, bn, self.a.threshold if self.a.threshold is not None else thr, self.a.warmup,
                            ranges=self.ranges[mode])
        step_ms = []
        t0 = time.perf_counter()
        try:
            _, x, img = run(self.man, self.tok, self.te, parts if cache else whole, self.dec, self.prompt,
                            self.a.negative, steps or self.steps, self.guidance, self.a.seed, cache,
                            noise=self.noise, step_ms=step_ms)
        except Exception as e:  # noqa: BLE001 - a compiler failure must not lose the eager figures
            if mode != "compile":
                raise
            self.compile_error = f"torch.compile failed: {str(e).strip().splitlines()[-1]}"
            del self.modes["compile"]
            self.warmup_ms.pop("compile", None)
            return None
        total = (time.perf_counter() - t0) * 1000
        return {"stepMs": step_ms, "totalMs": total,
                "cachedCalls": sum(tr["cached"] for tr in cache.trace) if cache else 0,
                "calls": len(cache.trace) if cache else 0, "x": x, "img": img}

    def info(self):
        """What does not change from run to run: versions, threads, the warm-ups."""
        compiled = None
        if "compile" in self.modes:
            compiled = {"warmupMs": self.warmup_ms["compile"], "eagerWarmupMs": self.warmup_ms["eager"],
                        "warmupSteps": min(self.steps, self.WARMUP_STEPS)}
        return {"torch": torch.__version__, "threads": torch.get_num_threads(),
                "interopThreads": torch.get_num_interop_threads(), "prompt": self.prompt,
                "steps": self.steps, "guidance": self.guidance, "seed": self.a.seed,
                "noiseFromFile": self.noise is not None, "compiled": compiled,
                "compileError": self.compile_error}


def save_outputs(prefix, r, image=True):
    """<prefix>.latent.f32 and (when there is one) <prefix>.image.f32, raw little-endian float32."""
    r["x"].numpy().astype("<f4").tofile(f"{prefix}.latent.f32")
    if image and r["img"] is not None:
        r["img"].numpy().astype("<f4").tofile(f"{prefix}.image.f32")


def bench(a, man, tok, te, experts, dec):
    """One-shot bench: per-step timings of each preset after one warm-up run each, presets (and
    eager / torch.compile) interleaved so a busy machine slows them alike; final latent and decoded
    image of each preset's last eager run written next to the JSON as raw float32
    (<json>.<preset>.latent.f32 / .image.f32; the compiled run's latent as
    <json>.compile.<preset>.latent.f32). Under torch.compile the warm-up runs, which compile,
    are timed apart (compileMs) and left out of the step times. (`studio bench` uses --serve.)"""
    b = Bench(a, man, tok, te, experts, dec, a.bench_caches.split(","), a.bench_compile)
    b.warm_up()
    runs = {m: {c: {"stepMs": [], "totalMs": [], "cachedCalls": 0, "calls": 0} for c in b.caches}
            for m in b.modes}
    for _ in range(a.repeats):
        for mode in list(b.modes):
            for c in b.caches:
                r = b.run(mode, c)
                if r is None:
                    del runs[mode]
                    break
                runs[mode][c]["stepMs"] += r["stepMs"]
                runs[mode][c]["totalMs"].append(r["totalMs"])
                runs[mode][c]["cachedCalls"], runs[mode][c]["calls"] = r["cachedCalls"], r["calls"]
                save_outputs(f"{a.bench_json}.{c}" if mode == "eager" else f"{a.bench_json}.{mode}.{c}", r,
                             image=mode == "eager")
    info = b.info()
    if info["compiled"] is not None:
        info["compiled"]["runs"] = runs["compile"]
    info["runs"] = runs["eager"]
    with open(a.bench_json, "w") as f:
        json.dump(info, f)


def serve(a, man, tok, te, experts, dec, proto):
    """Long-lived bench child (`--serve`, what `studio bench` runs): warms up every (mode, preset)
    once, untimed, then writes one JSON line, `{"ready": true, ...info}`, and answers one JSON line
    per JSON line read from stdin until EOF:
      {"mode": "eager"|"compile", "cache": "none"|"F8B0"|..., "save": "<prefix>" (optional)}
      -> {"stepMs": [...], "totalMs": ms, "cachedCalls": n, "calls": n}   (outputs at <prefix>.*.f32)
      or {"error": "..."} (a bad command, a mode that is not there, torch.compile failing).
    The bench times its own runs between these, so both sides see the same machine minute by
    minute (docs/engine.md, "Where the engine stands against PyTorch 2.13")."""
    b = Bench(a, man, tok, te, experts, dec, a.bench_caches.split(","), a.bench_compile)
    b.warm_up()

    def answer(obj):
        proto.write(json.dumps(obj) + "\n")
        proto.flush()
    answer({"ready": True, **b.info()})
    while True:
        line = sys.stdin.readline()
        if not line:
            return  # EOF: the bench is done
        if not line.strip():
            continue
        try:
            cmd = json.loads(line)
            if not isinstance(cmd, dict) or cmd.get("mode") not in ("eager", "compile") \
                    or not isinstance(cmd.get("cache"), str) or not isinstance(cmd.get("save", ""), (str, type(None))):
                raise ValueError("expected {\"mode\": \"eager\"|\"compile\", \"cache\": preset, \"save\": prefix?}")
            r = b.run(cmd["mode"], cmd["cache"])
        except Exception as e:  # noqa: BLE001 - one bad command is answered, not fatal to the child
            answer({"error": f"{type(e).__name__}: {str(e).strip()}"})
            continue
        if r is None:
            answer({"error": b.compile_error})
            continue
        if cmd.get("save"):
            save_outputs(cmd["save"], r)
        answer({k: r[k] for k in ("stepMs", "totalMs", "cachedCalls", "calls")})


if __name__ == "__main__":
    main()
