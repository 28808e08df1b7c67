"""PyTorch's side of the compute-bound comparison (docs/bench-compute.md): one transformer call
(cond, batch 1, uncached) of a package, timed N times in eager (and with --compile under
torch.compile), wall and process CPU time (all threads) per call, and the call's FLOPs counted by
torch.utils.flop_counter. CPU time is the figure that survives a machine shared with other jobs.

  PYTHONPATH=tools /work/venv/bin/python tools/bench/compute_calls.py PACKAGE [--threads 1] [--calls 5]
"""
import argparse
import json
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from train.torch_reference import load_package


def timed(f, calls):
    wall, cpu = [], []
    for _ in range(calls):
        w0, c0 = time.perf_counter(), time.process_time()
        f()
        wall.append((time.perf_counter() - w0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("package")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--compile", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    man, tok, te, experts, _ = load_package(a.package)
    m = experts[0][2].eval()
    lat = man["latent"]
    x = torch.randn(1, lat["channels"], lat["height"], lat["width"], generator=torch.Generator().manual_seed(0))
    t = torch.full((1,), 0.7)
    with torch.no_grad():
        th = te(tok([man["examples"][0]]))
        with FlopCounterMode(display=False) as fc:
            m(x, t, th)
        out = {"torch": torch.__version__, "threads": a.threads, "gflopPerCall": fc.get_total_flops() / 1e9}
        m(x, t, th)
        out["eagerWallMs"], out["eagerCpuMs"] = timed(lambda: m(x, t, th), a.calls)
        if a.compile:
            c = torch.compile(m)
            w0 = time.perf_counter()
            c(x, t, th)
            c(x, t, th)
            out["compileWarmupMs"] = (time.perf_counter() - w0) * 1000
            out["compileWallMs"], out["compileCpuMs"] = timed(lambda: c(x, t, th), a.calls)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
