"""Trains the shared frame autoencoder (32x32x3 <-> 4x8x8) on procedural shapes.
  PYTHONPATH=tools /usr/bin/python3 -m train.train_ae tools/train/configs/ae.json
Writes runs/<name>/ae.pt (encoder, decoder, latent_std) and runs/<name>/log.txt."""
import json
import os
import random
import sys
import time

import torch

from .ae_training import warmup_cosine_lr, weighted_reconstruction
from .data import frame_batch, image_batch
from .autoencoder import ImageDecoder, ImageEncoder


def main(cfg_path):
    cfg = json.load(open(cfg_path))
    torch.set_num_threads(cfg.get("threads", 2))
    torch.manual_seed(cfg["seed"])
    rng = random.Random(cfg["seed"])
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs", cfg["name"])
    os.makedirs(out, exist_ok=True)
    log = open(os.path.join(out, "log.txt"), "a")
    enc = ImageEncoder(cfg["latent_ch"], cfg["ch"], 2)
    dec = ImageDecoder(cfg["latent_ch"], cfg["ch"], 2)
    if cfg.get("init"):  # continue from an earlier autoencoder
        ck0 = torch.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), cfg["init"]))
        enc.load_state_dict(ck0["encoder"])
        dec.load_state_dict(ck0["decoder"])
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.AdamW(params, lr=cfg["lr"], weight_decay=0.0)
    t0 = time.time()
    bs = cfg["batch"]
    for step in range(1, cfg["steps"] + 1):
        lr = warmup_cosine_lr(cfg["lr"], step, cfg["steps"], 0.1)
        for g in opt.param_groups:
            g["lr"] = lr
        x = torch.from_numpy(frame_batch(rng, bs))
        z = enc(x)
        zn = z + cfg["latent_noise"] * torch.randn_like(z)
        y = dec(zn)
        rec = weighted_reconstruction(y, x, 4)
        reg = (z * z).mean()
        loss = rec + cfg["latent_reg"] * reg
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if step % 50 == 0 or step == 1:
            msg = (f"step {step} t {time.time() - t0:.0f}s loss {loss.item():.5f} rec {rec.item():.5f} "
                   f"zstd {z.std().item():.3f} lr {lr:.2e}")
            print(msg, flush=True)
            log.write(msg + "\n")
            log.flush()
    # latent statistics on fresh data
    with torch.no_grad():
        zs = torch.cat([enc(torch.from_numpy(image_batch(rng, 256)[0])) for _ in range(4)])
        std = zs.std().item()
        mean = zs.mean().item()
        x, _, _ = image_batch(rng, 256)
        x = torch.from_numpy(x)
        err = (dec(enc(x)) - x).abs().max(dim=1)[0]
        msg = (f"latent mean {mean:.4f} std {std:.4f}; recon mean abs err {err.mean().item():.4f}, "
               f"pixels off by >0.1: {(err > 0.1).float().mean().item() * 100:.2f}%")
        print(msg)
        log.write(msg + "\n")
    torch.save({"encoder": enc.state_dict(), "decoder": dec.state_dict(), "latent_std": std,
                "cfg": cfg}, os.path.join(out, "ae.pt"))


def cli():
    """Entry point: the one argument is the config file."""
    if len(sys.argv) != 2:
        sys.exit("usage: python3 -m train.train_ae <config.json>")
    main(sys.argv[1])


if __name__ == "__main__":
    cli()
