"""Writes tiny model packages with random (seeded) weights into test/fixtures/models/ for the
engine's tests. Each is a real DiT split per docs/model-package.md, far under 1 MB.

  tiny-image   image, decoder, FLUX-like: 3 double-stream + 3 single-stream blocks (both
               Pattern_1, two block lists), context tensor temb, separateCfg, mergeBlockLists
  tiny-video   video [C,F,H,W], decoder, two experts (high noise [0.5,1], low noise [0,0.5]),
               each one Pattern_2 list of 4 cross-attention blocks
  tiny-p0      pixel space, 4 Pattern_0 blocks (double-stream returning (H, E))
  tiny-p3      pixel space, 4 Pattern_3 blocks, no encoder stream, separateCfg false (batch-2 CFG)
  tiny-p4      pixel space, 4 Pattern_4 blocks (take H, return (H, E))
  tiny-p5      pixel space, 4 Pattern_5 blocks (take H, return (E, H))

Each has reference.json: 4 steps of the engine's scheduler + CFG computed in PyTorch (float32).
Run: PYTHONPATH=tools /usr/bin/python3 -m train.make_fixtures [outdir]
"""
import os
import shutil
import sys

import torch

from .autoencoder import ImageDecoder, VideoDecoder
from .dit import Transformer
from .package import write_package
from .text_encoder import TextEncoder
from .vocab import VOCAB

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MAXLEN = 16
PROMPT = "a red circle at the center on a blue background"
VPROMPT = "a red circle moving right on a blue background"


def tcfg(kind, latent_shape, patch, lists, encoder_stream, dim=16, text_dim=16):
    return {"kind": kind, "latent_shape": list(latent_shape), "patch": list(patch), "dim": dim,
            "heads": 2, "mlp_ratio": 2, "text_dim": text_dim, "t_freq": 16,
            "encoder_stream": encoder_stream, "lists": lists}


def build(seed, cfgs, decoder=None):
    torch.manual_seed(seed)
    te = TextEncoder(len(VOCAB), MAXLEN, cfgs[0]["text_dim"], heads=2, layers=1)
    models = [Transformer(c) for c in cfgs]
    dec = decoder() if decoder else None
    return te, models, dec


def package(outdir, pid, name, kind, output, te, experts, dec, shift, sep_cfg, cache=None,
            prompt=PROMPT, guidance=3.0):
    d = os.path.join(outdir, pid)
    if os.path.isdir(d):
        shutil.rmtree(d)
    m = write_package(
        d, meta={"id": pid, "name": name, "kind": kind, "output": output,
                 "description": f"Test fixture with random weights ({name})."},
        text_encoder=te, experts=experts, decoder=dec, max_length=MAXLEN, shift=shift,
        defaults={"steps": 4, "guidanceScale": guidance, "separateCfg": sep_cfg,
                  "negativePrompt": ""},
        cache=cache, examples=[prompt],
        reference={"prompt": prompt, "negativePrompt": "", "steps": 4,
                   "guidanceScale": guidance, "separateCfg": sep_cfg, "seed": 1})
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
    print(f"{pid}: {len(m['files'])} files, {size / 1024:.0f} KiB")
    return d


def main(outdir, only=None):
    """Writes the fixtures into outdir; only: the ids to write (default: all). Each fixture is
    seeded on its own, so writing some of them writes them exactly as writing all does."""
    os.makedirs(outdir, exist_ok=True)
    written = []
    want = (lambda pid: True) if only is None else (lambda pid: pid in only)

    if want("tiny-image"):
        # tiny-image: FLUX-like, latent [4,8,8] -> 32x32 RGB, 16 tokens
        cfg = tcfg("image", (4, 1, 8, 8), (1, 2, 2),
                   [["transformer_blocks", "Pattern_1", "double", 3],
                    ["single_transformer_blocks", "Pattern_1", "single", 3]], True)
        te, (m,), dec = build(101, [cfg], lambda: ImageDecoder(4, 16, 2))
        written.append(package(outdir, "tiny-image", "Tiny image (FLUX-like)", "image",
                               {"width": 32, "height": 32, "frames": 1}, te,
                               [{"name": "transformer", "range": [0, 1], "model": m,
                                 "prefix": "transformer"}], dec, 3.0, True,
                               cache={"mergeBlockLists": True}))

    if want("tiny-video"):
        # tiny-video: Wan-like, latent [4,4,4,4] -> 4 frames of 16x16, two experts.
        # shift 2.0 so no 4-step sigma lands exactly on the 0.5 expert boundary.
        vcfg = tcfg("video", (4, 4, 4, 4), (1, 2, 2), [["blocks", "Pattern_2", "cross", 4]], True)
        te, (hi, lo), dec = build(202, [vcfg, vcfg], lambda: VideoDecoder(ImageDecoder(4, 16, 2)))
        written.append(package(outdir, "tiny-video", "Tiny video (Wan-like, 2 experts)", "video",
                               {"width": 16, "height": 16, "frames": 4, "fps": 4}, te,
                               [{"name": "high_noise", "range": [0.5, 1], "model": hi,
                                 "prefix": "transformer_high"},
                                {"name": "low_noise", "range": [0, 0.5], "model": lo,
                                 "prefix": "transformer_low"}], dec, 2.0, True, prompt=VPROMPT))

    # pixel-space pattern fixtures: latent [3,8,8] is the image, 16 tokens
    for pid, pattern, btype, enc, sep in [("tiny-p0", "Pattern_0", "double", True, True),
                                          ("tiny-p3", "Pattern_3", "self", False, False),
                                          ("tiny-p4", "Pattern_4", "self", False, True),
                                          ("tiny-p5", "Pattern_5", "self", False, True)]:
        if not want(pid):
            continue
        pc = tcfg("image", (3, 1, 8, 8), (1, 2, 2), [["blocks", pattern, btype, 4]], enc)
        te, (m,), _ = build(300 + int(pattern[-1]), [pc])
        written.append(package(outdir, pid, f"Tiny {pattern} (pixel space)", "image",
                               {"width": 8, "height": 8, "frames": 1}, te,
                               [{"name": "transformer", "range": [0, 1], "model": m,
                                 "prefix": "transformer"}], None, 3.0, sep))
    return written


def cli():
    """Entry point: [outdir], default test/fixtures/models of this repository."""
    torch.set_num_threads(2)
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "test", "fixtures", "models"))


if __name__ == "__main__":
    cli()
