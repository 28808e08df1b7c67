"""Trains a (wider) decoder for the frozen encoder of an autoencoder checkpoint, so the decoder
can be improved while DiTs train on the encoder's latents.
  /usr/bin/python3 tools/train/train_decoder.py configs/decoder.json
Writes runs/<name>/ae.pt in train_ae.py's format (encoder copied, new decoder, same latent_std)."""
import json
import os
import random
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import image_batch, random_shapes_batch, video_batch  # noqa: E402
from models import ImageDecoder, ImageEncoder  # noqa: E402


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
        lr = cfg["lr"] * min(1.0, step / 100) * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * step / cfg["steps"])))
        for g in opt.param_groups:
            g["lr"] = lr
        a = random_shapes_batch(rng, bs // 2)
        b, _, _ = image_batch(rng, bs // 4)
        v, _, _ = video_batch(rng, 1)
        v = v[0].transpose(1, 0, 2, 3)[: bs - bs // 2 - bs // 4]
        x = torch.from_numpy(np.concatenate([a, b, v]))
        with torch.no_grad():
            z = enc(x)
        y = dec(z + cfg["latent_noise"] * std * torch.randn_like(z))
        bgc = x.flatten(2).median(-1).values[:, :, None, None]
        w = 1 + cfg["shape_weight"] * ((x - bgc).abs().sum(1, keepdim=True) > 0.1).float()
        loss = (w * (y - x) ** 2).mean() + 0.5 * (w * (y - x).abs()).mean()
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


if __name__ == "__main__":
    main(sys.argv[1])
