"""Writes the compute-bound benchmark package (issue 17; docs/bench-compute.md): a random-weight
(seeded) model of the embedded image model's architecture (FLUX-like: double-stream then
single-stream Pattern_1 blocks, merged into one cache context, separate CFG) at a width and token
count where matrix multiplies dominate the step, instead of the per-call overhead that decides
the tiny embedded models. Generated into a cache folder on demand, never committed (~100 MB).

  PYTHONPATH=tools /work/venv/bin/python -m train.make_compute_bench OUTDIR [--dim 512]
      [--tokens 1024] [--double 2] [--single 4]
"""
import argparse
import math
import os
import shutil

import torch

from .autoencoder import ImageDecoder
from .dit import Transformer
from .make_fixtures import MAXLEN, PROMPT, tcfg
from .package import write_package
from .text_encoder import TextEncoder
from .vocab import VOCAB


def _torchscript_export():
    """PyTorch 2.x exports with its dynamo exporter by default, which needs onnxscript and makes
    other graphs than the ones package.py checks; the embedded models were made with the
    TorchScript exporter (Debian's torch 1.13), which 2.x keeps behind dynamo=False."""
    if "dynamo" not in torch.onnx.export.__code__.co_varnames:
        return
    export = torch.onnx.export

    def legacy(*args, **kwargs):
        kwargs.setdefault("dynamo", False)
        return export(*args, **kwargs)
    torch.onnx.export = legacy


def make(outdir, dim=512, tokens=1024, double=2, single=4, head_dim=128, seed=17):
    side = int(math.isqrt(tokens))
    if side * side != tokens:
        raise SystemExit(f"--tokens must be a square (the latent is square), got {tokens}")
    # patch 2x2: a latent of (2*side)^2 pixels makes side^2 image tokens
    cfg = tcfg("image", (4, 1, 2 * side, 2 * side), (1, 2, 2),
               [["transformer_blocks", "Pattern_1", "double", double],
                ["single_transformer_blocks", "Pattern_1", "single", single]], True,
               dim=dim, text_dim=64)
    cfg["heads"] = max(1, dim // head_dim)
    _torchscript_export()
    torch.manual_seed(seed)
    te = TextEncoder(len(VOCAB), MAXLEN, cfg["text_dim"], heads=2, layers=1)
    model = Transformer(cfg)
    dec = ImageDecoder(4, 16, 2)
    pid = f"compute-bench-d{dim}-t{tokens}"
    d = os.path.join(outdir, pid)
    if os.path.isdir(d):
        shutil.rmtree(d)
    write_package(
        d, meta={"id": pid, "name": f"Compute bench (width {dim}, {tokens} tokens)", "kind": "image",
                 "output": {"width": 8 * side, "height": 8 * side, "frames": 1},
                 "description": "Random weights: the embedded image model's architecture at a "
                                "width and token count where matrix multiplies dominate."},
        text_encoder=te, experts=[{"name": "transformer", "range": [0, 1], "model": model,
                                   "prefix": "transformer"}],
        decoder=dec, max_length=MAXLEN, shift=3.0,
        defaults={"steps": 4, "guidanceScale": 3.0, "separateCfg": True, "negativePrompt": ""},
        cache={"mergeBlockLists": True}, examples=[PROMPT])
    params = sum(p.numel() for p in model.parameters())
    print(f"{d}: {params / 1e6:.1f} M transformer parameters, {tokens} image tokens, width {dim}")
    return d


def cli():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--tokens", type=int, default=1024)
    ap.add_argument("--double", type=int, default=2)
    ap.add_argument("--single", type=int, default=4)
    a = ap.parse_args()
    make(a.outdir, a.dim, a.tokens, a.double, a.single)


if __name__ == "__main__":
    cli()
