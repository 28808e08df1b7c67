"""Trains a (wider) decoder for the frozen encoder of an autoencoder checkpoint, so the decoder
can be improved while DiTs train on the encoder's latents.
  PYTHONPATH=tools /usr/bin/python3 -m train.train_decoder tools/train/configs/decoder.json
Writes runs/<name>/ae.pt in train_ae.py's format (encoder copied, new decoder, same latent_std)."""
import json
import os
import random
import sys
import time

import torch

from .ae_training import warmup_cosine_lr, weighted_reconstruction
from .data import frame_batch
from .autoencoder import ImageDecoder, ImageEncoder

HERE = os.path.dirname(os.path.abspath(__file__))


def main(cfg_path):
    cfg = json.load(open(cfg_path))
    torch.set_num_threads(cfg.get("threads", 1))
    torch.manual_seed(cfg["seed"])
    rng = random.Random(cfg["seed"])
    out = os.path.join(HERE, "runs", cfg["name"])
    os.makedirs(out, exist_ok=True)
    log = open(os.path.join(out, "log.txt"), "a")
    ae = torch.load(os.path.join(HERE, cfg["ae"]))
    enc = ImageEncoder(ae["cfg"]["latent_ch"], ae["cfg"]["ch"], 2)
    enc.load_state_dict(ae["encoder"])
    enc.eval()
    dec = ImageDecoder(ae["cfg"]["latent_ch"], cfg["ch"], 2)
    opt = torch.optim.AdamW(dec.parameters(), lr=cfg["lr"], weight_decay=0.0)
    t0 = time.time()
    bs = cfg["batch"]
    std = ae["latent_std"]

    def save():
        acfg = dict(ae["cfg"], ch=cfg["ch"], decoder_from=cfg_path)
        torch.save({"encoder": ae["encoder"], "decoder": dec.state_dict(), "latent_std": std,
                    "cfg": acfg, "encoder_ch": ae["cfg"]["ch"]}, os.path.join(out, "ae.pt"))

    for step in range(1, cfg["steps"] + 1):
        lr = warmup_cosine_lr(cfg["lr"], step, cfg["steps"], 0.05)
        for g in opt.param_groups:
            g["lr"] = lr
        x = torch.from_numpy(frame_batch(rng, bs))
        with torch.no_grad():
            z = enc(x)
        y = dec(z + cfg["latent_noise"] * std * torch.randn_like(z))
        loss = weighted_reconstruction(y, x, cfg["shape_weight"])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(dec.parameters(), 1.0)
        opt.step()
        if step % 100 == 0:
            msg = f"step {step} t {time.time() - t0:.0f}s loss {loss.item():.5f} lr {lr:.2e}"
            print(msg, flush=True)
            log.write(msg + "\n")
            log.flush()
        if step % 500 == 0:
            save()
    save()


def cli():
    """Entry point: the one argument is the config file."""
    if len(sys.argv) != 2:
        sys.exit("usage: python3 -m train.train_decoder <config.json>")
    main(sys.argv[1])


if __name__ == "__main__":
    cli()
