"""The bench modes of torch_reference.py: a package in PyTorch eager and, with `--bench-compile`
(PyTorch 2.x), under torch.compile, timed step by step, uncached or with its DBCache presets.
Two ways in, both started by torch_reference's command line (the flags are documented there):

  --serve       the long-lived child `studio bench` talks to (src/bench/torch-child.ts): warmed up
                once, then one timed run per JSON line on stdin, one JSON answer per line on stdout
  --bench-json  one-shot: warm up, time `--repeats` rounds, write the figures to a JSON file

  PYTHONPATH=tools /usr/bin/python3 -m train.torch_reference --model test/fixtures/models/tiny-image \\
      --serve --bench-caches none,F1B0 --steps 3 --threads 1
"""
import copy
import functools
import json
import os
import sys
import time

import numpy as np
import torch

from .torch_reference import PRESETS, DBCache, load_package, run, run_range


def bench_main(a):
    """a: torch_reference's parsed arguments, with --serve or --bench-json (--serve wins)."""
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
    else:
        bench(a, man, tok, te, experts, dec)


def compiled_experts(experts):
    """torch.compile of each transformer, in the two shapes the bench calls: the whole model as
    one graph (uncached), and for DBCache a copy with embed and final compiled, its blocks run by
    compiled_ranges (DBCache decides in Python between its front, middle and back blocks, where
    dynamo would break the graph anyway). -> ([(range, name, whole)], [(range, name, parts)])."""
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
