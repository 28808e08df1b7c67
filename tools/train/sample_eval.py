"""Samples a checkpoint with the engine's scheduler + CFG and scores it with evaluate.py.

  PYTHONPATH=tools /usr/bin/python3 -m train.sample_eval <checkpoint.pt> [--n 64] [--steps 28]
      [--guidance 4] [--grid out.png] [--json out.json]
"""
import argparse
import json
import os
import random

import numpy as np
import torch

from .data import (IMAGE_HELD_OUT, IMAGE_TRAIN, VIDEO_HELD_OUT, VIDEO_TRAIN,
                   image_caption, video_caption)
from .evaluate import score_image, score_video, summarise
from .imgio import save_grid
from .sampling import sample
from .vocab import VOCAB, WordTokenizer


def load(path, ae_path=None):
    """Checkpoint -> (ck, cfg, text_encoder, [(name, (lo,hi), Transformer)], decoder) with EMA
    weights. ae_path: an autoencoder checkpoint with a better decoder for the same encoder
    (train_decoder.py); default: the one the DiT was trained with."""
    from .train_dit import build
    from .autoencoder import ImageDecoder, VideoDecoder
    ck = torch.load(path, map_location="cpu")
    cfg = ck["cfg"]
    te, experts = build(cfg)
    for m, s in zip([te] + [tr for _, _, tr in experts], ck["ema"]):
        m.load_state_dict(s)
        m.eval()
    ae = torch.load(ae_path or ck["ae"], map_location="cpu")
    ck["ae_used"] = ae_path or ck["ae"]
    dec = ImageDecoder(ae["cfg"]["latent_ch"], ae["cfg"]["ch"], 2, scale=1.0 / ck["latent_std"])
    sd = dict(ae["decoder"])
    sd["scale"] = torch.tensor(1.0 / ck["latent_std"])
    dec.load_state_dict(sd)
    dec.eval()
    if cfg["kind"] == "video":
        dec = VideoDecoder(dec).eval()
    return ck, cfg, te, experts, dec


@torch.no_grad()
def generate(cfg, te, experts, dec, prompts, seed, steps, guidance, shift, batch=32):
    tok = WordTokenizer(VOCAB, cfg["max_length"])
    c = cfg["latent_ch"]
    shape = (c, cfg.get("frames", 1), 8, 8) if cfg["kind"] == "video" else (c, 8, 8)
    g = torch.Generator().manual_seed(seed)
    outs = []
    ex = [(r, m) for _, r, m in experts]
    for i in range(0, len(prompts), batch):
        ps = prompts[i:i + batch]
        noise = torch.randn(len(ps), *shape, generator=g)
        x = sample(te, ex, tok(ps), tok([""] * len(ps)), noise, steps, shift, guidance, True)
        outs.append(dec(x))
    return torch.cat(outs).numpy()


def run_eval(ck, cfg, te, experts, dec, n, steps, guidance, shift, seed=0, grid=None):
    rng = random.Random(seed)
    video = cfg["kind"] == "video"
    sets = ((VIDEO_TRAIN, VIDEO_HELD_OUT) if video else (IMAGE_TRAIN, IMAGE_HELD_OUT))
    res = {}
    grids = []
    for name, combos in zip(("train", "held_out"), sets):
        pick = [combos[rng.randrange(len(combos))] for _ in range(n)]
        prompts = [(video_caption if video else image_caption)(*k) for k in pick]
        imgs = generate(cfg, te, experts, dec, prompts, seed + 1, steps, guidance, shift)
        sc = [(score_video if video else score_image)(imgs[i], pick[i]) for i in range(n)]
        res[name] = summarise(sc)
        res[name]["n"] = n
        grids.append((imgs, prompts))
    if grid:
        if video:
            imgs = grids[0][0][:4]  # 4 videos, one row of frames each
            save_grid(grid, imgs.transpose(0, 2, 1, 3, 4).reshape(-1, 3, 32, 32),
                      ncol=imgs.shape[2], scale=3)
        else:
            save_grid(grid, np.concatenate([grids[0][0][:16], grids[1][0][:16]]), ncol=8,
                      scale=3)
        with open(os.path.splitext(grid)[0] + ".txt", "w") as f:
            f.write("\n".join(grids[0][1][:16] + grids[1][1][:16]) + "\n")
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--steps", type=int, default=28)
    ap.add_argument("--guidance", type=float, default=None)
    ap.add_argument("--shift", type=float, default=None)
    ap.add_argument("--grid")
    ap.add_argument("--json")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ae", help="autoencoder checkpoint whose decoder to use")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ck, cfg, te, experts, dec = load(a.ckpt, a.ae)
    g = a.guidance if a.guidance is not None else cfg.get("guidance", 4.0)
    s = a.shift if a.shift is not None else cfg["shift"]
    res = run_eval(ck, cfg, te, experts, dec, a.n, a.steps, g, s, grid=a.grid)
    res.update({"step": ck["step"], "minutes": ck["elapsed"] / 60, "guidance": g, "shift": s,
                "steps": a.steps})
    print(json.dumps(res))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
