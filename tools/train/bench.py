"""Times a few training steps of a config's transformers on random data (no dataset, no
autoencoder): what a config costs per step before a run is started.

  PYTHONPATH=tools /usr/bin/python3 -m train.bench tools/train/configs/image.json [batch]
"""
import json
import sys
import time

import torch

from .train_dit import build, transformer_cfg


def main(cfg_path, batch=None):
    cfg = json.load(open(cfg_path))
    torch.set_num_threads(cfg.get("threads", 2))
    bs = batch or cfg["batch"]
    te, experts = build(cfg)
    ps = [p for m in [te] + [e[2] for e in experts] for p in m.parameters()]
    opt = torch.optim.AdamW(ps, lr=1e-4)
    tc = transformer_cfg(cfg)
    c, f, h, w = tc["latent_shape"]
    shape = (bs, c, f, h, w) if cfg["kind"] == "video" else (bs, c, h, w)
    print("params", [sum(p.numel() for p in e[2].parameters()) for e in experts],
          sum(p.numel() for p in te.parameters()))
    for i in range(4):
        t0 = time.time()
        x = torch.randn(*shape)
        ids = torch.randint(0, 25, (bs, 16))
        th = te(ids)
        loss = 0
        n = len(experts)
        for j, (_, _, tr) in enumerate(experts):
            sl = slice(j * bs // n, (j + 1) * bs // n)
            loss = loss + tr(x[sl], torch.rand(bs // n), th[sl]).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"iter {i} {time.time() - t0:.2f}s", flush=True)


def cli():
    """Entry point: <config.json> [batch]."""
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: python3 -m train.bench <config.json> [batch]")
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else None)


if __name__ == "__main__":
    cli()
