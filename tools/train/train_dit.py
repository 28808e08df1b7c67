"""Trains a text-to-image (FLUX-like) or text-to-video (Wan-like, two experts) DiT with flow
matching on latents of the frozen autoencoder (train_ae.py), on CPU.

  PYTHONPATH=tools /usr/bin/python3 -m train.train_dit tools/train/configs/image.json

Data parallel on one machine (more processes = more share of a CPU shared with other jobs):
  WORLD_SIZE=3 MASTER_ADDR=127.0.0.1 MASTER_PORT=29511 RANK=<i> ... -m train.train_dit cfg.json
(see run_ddp.sh); each rank takes batch / WORLD_SIZE samples, gradients are averaged (gloo).

The run lasts `minutes` of wall-clock time (the LR schedule follows elapsed time, so it ends on
time whatever the machine's load); checkpoints (with EMA weights) go to runs/<name>/ every
`ckpt_minutes`, the log to runs/<name>/log.txt. Resumes from runs/<name>/ckpt_latest.pt.
"""
import copy
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

from .data import image_batch, video_batch
from .autoencoder import ImageEncoder
from .dit import Transformer
from .text_encoder import TextEncoder
from .vocab import VOCAB, WordTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))


def transformer_cfg(cfg):
    m = cfg["model"]
    c = cfg["latent_ch"]
    lat = [c, cfg.get("frames", 1), 8, 8]
    return {"kind": cfg["kind"], "latent_shape": lat, "patch": m["patch"], "dim": m["dim"],
            "heads": m["heads"], "mlp_ratio": m["mlp_ratio"], "text_dim": m["text_dim"],
            "t_freq": m["t_freq"], "t_scale": m.get("t_scale", 1000.0),
            "t_max_period": m.get("t_max_period", 10000.0), "encoder_stream": True,
            "lists": m["lists"]}


def build(cfg):
    """Text encoder + experts [(name, (lo, hi), Transformer)] from a training config."""
    m = cfg["model"]
    te = TextEncoder(len(VOCAB), cfg["max_length"], m["text_dim"], m["text_heads"],
                     m["text_layers"])
    experts = [(e["name"], tuple(e["range"]), Transformer(transformer_cfg(cfg)))
               for e in cfg["experts"]]
    return te, experts


def adaln_zero(tr):
    """Zero-init gates/modulations and the output layer (DiT adaLN-Zero) for stable training."""
    for mod in tr.modules():
        for name in ("mod", "mod_h", "mod_e"):
            lin = getattr(mod, name, None)
            if isinstance(lin, torch.nn.Linear):
                torch.nn.init.zeros_(lin.weight)
                torch.nn.init.zeros_(lin.bias)
    torch.nn.init.zeros_(tr.final.out.weight)
    torch.nn.init.zeros_(tr.final.out.bias)


def load_ae(path):
    ck = torch.load(path, map_location="cpu")
    enc = ImageEncoder(ck["cfg"]["latent_ch"], ck["cfg"]["ch"], 2)
    enc.load_state_dict(ck["encoder"])
    enc.eval()
    return enc, ck


def encode(enc, x, std):
    """x [B,3,H,W] or [B,3,F,H,W] -> unit-variance latents."""
    with torch.no_grad():
        if x.dim() == 5:
            b, c, f, h, w = x.shape
            z = enc(x.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w))
            z = z.reshape(b, f, z.shape[1], z.shape[2], z.shape[3]).permute(0, 2, 1, 3, 4)
        else:
            z = enc(x)
    return z / std


def sample_t(n, shift):
    u = torch.rand(n)
    return shift * u / (1 + (shift - 1) * u)


def smoothness(tr, x0, noise, t, th, opt, th_empty=None):
    """Relative L1 change of the front blocks' residual between t and an earlier point t - dt of
    the same noising path: the quantity DBCache thresholds. Large DiTs change it little from one
    sampling step to the next; a small model trained briefly does not (its residual follows
    every change of the timestep modulation), so this term asks for that property directly,
    as learning-to-cache methods do. Smoothing only the probe (the first Fn blocks) makes the
    cache skip steps whose later residual did change; so `blocks` can list several depths, e.g.
    [8, 24]: the probe and the whole stack, whose residual is what a cached step reuses.
    opt: {"blocks": n or [n, ...], "max_dt": d, "weight": w, "from": fraction of the run when
    the term switches on (default 0: a fresh run can learn the task first, then smooth)}, or
    "weights": [[from, w], ...] instead of weight/from (see smooth_weight), and "uncond": the
    share of samples measured with the empty caption (`th_empty`) instead of their own. CFG runs
    the empty caption beside every prompt, with a cache state of its own, and with cfg_drop 0.1
    only a tenth of the samples smoothed it: in the first smoothed model the uncond branch's probe
    moved ~5x more per step than the cond branch's, and F8B0 cached half as many of its steps."""
    share = opt.get("uncond", 0.0)
    if share > 0:
        pick = (torch.rand(th.shape[0]) < share).view(-1, *([1] * (th.dim() - 1)))
        th = torch.where(pick, th_empty.expand_as(th), th)
    dt = torch.rand_like(t) * opt["max_dt"]
    t2 = (t - dt).clamp(min=0.0)
    depths = smooth_depths(opt)

    def at(tt):
        tb = tt.reshape(-1, *([1] * (x0.dim() - 1)))
        return tr.front_residuals((1 - tb) * x0 + tb * noise, tt, th, depths)
    total = 0.0
    for r1, r2 in zip(at(t), at(t2)):
        dims = tuple(range(1, r1.dim()))
        rel = (r1 - r2).abs().mean(dims) / (r1.detach().abs().mean(dims) + 1e-6)
        total = total + rel.mean()
    return total / len(depths)


def smooth_depths(smooth):
    """The block depths whose residual the smoothness term measures (`blocks`: n or [n, ...])."""
    return smooth["blocks"] if isinstance(smooth["blocks"], list) else [smooth["blocks"]]


def smooth_schedule(smooth):
    """[[from_fraction, weight], ...]: `weights` as given (the shipped image run raised it part-way,
    when the cache still skipped too little), or one step from `from` (default 0) at `weight`."""
    return smooth.get("weights") or [[smooth.get("from", 0.0), smooth["weight"]]]


def smooth_weight(smooth, frac):
    """The smoothness term's weight at this fraction of the run (0 before its first step)."""
    if not smooth:
        return 0.0
    w = 0.0
    for start, weight in smooth_schedule(smooth):
        if frac >= start:
            w = weight
    return w


def main(cfg_path):
    cfg = json.load(open(cfg_path))
    torch.set_num_threads(cfg.get("threads", 2))
    torch.manual_seed(cfg["seed"])
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    dist = None
    if world > 1:
        import torch.distributed as dist
        dist.init_process_group("gloo", init_method="env://", rank=rank, world_size=world)
    rng = random.Random(cfg["seed"])
    out = os.path.join(HERE, "runs", cfg["name"])
    os.makedirs(out, exist_ok=True)
    log = open(os.path.join(out, "log.txt"), "a") if rank == 0 else None

    def say(msg):
        if rank == 0:
            print(msg, flush=True)
            log.write(msg + "\n")
            log.flush()

    enc, aeck = load_ae(os.path.join(HERE, cfg["ae"]))
    std = aeck["latent_std"]
    te, experts = build(cfg)
    for _, _, tr in experts:
        adaln_zero(tr)
    modules = [te] + [tr for _, _, tr in experts]
    params = [p for m in modules for p in m.parameters()]
    say(f"config {json.dumps(cfg)}")
    say(f"params: text {sum(p.numel() for p in te.parameters())}, transformers "
        f"{[sum(p.numel() for p in tr.parameters()) for _, _, tr in experts]}")
    opt = torch.optim.AdamW(params, lr=cfg["lr"], betas=(0.9, 0.99), weight_decay=0.01)
    ema = [copy.deepcopy(m).eval() for m in modules]
    step, elapsed0 = 0, 0.0
    ck_path = os.path.join(out, "ckpt_latest.pt")
    if os.path.exists(ck_path):
        ck = torch.load(ck_path, map_location="cpu")
        for m, s in zip(modules, ck["model"]):
            m.load_state_dict(s)
        for m, s in zip(ema, ck["ema"]):
            m.load_state_dict(s)
        opt.load_state_dict(ck["opt"])
        step, elapsed0 = ck["step"], ck["elapsed"]
        rng.setstate(ck["rng"])
        torch.set_rng_state(ck["torch_rng"])
        say(f"resumed at step {step}, {elapsed0 / 60:.1f} min, world size {world}")
    elif cfg.get("init"):  # fine-tune: start from another run's EMA weights, fresh optimizer
        ck = torch.load(os.path.join(HERE, cfg["init"]), map_location="cpu")
        for m, e, s in zip(modules, ema, ck["ema"]):
            m.load_state_dict(s)
            e.load_state_dict(s)
        say(f"initialised from {cfg['init']} (step {ck['step']})")
    if world > 1:  # distinct data per rank; identical weights (broadcast from rank 0)
        rng.seed(cfg["seed"] * 1000 + rank * 7919 + step)
        torch.manual_seed(cfg["seed"] * 1000 + rank * 7919 + step)
        with torch.no_grad():
            for m in modules + ema:
                for t_ in list(m.parameters()) + list(m.buffers()):
                    dist.broadcast(t_, 0)
        t0b = torch.tensor([elapsed0], dtype=torch.float64)
        dist.broadcast(t0b, 0)
        elapsed0 = float(t0b[0])
    tok = WordTokenizer(VOCAB, cfg["max_length"])
    smooth = cfg.get("smooth")
    total = cfg["minutes"] * 60.0
    t_start = time.time() - elapsed0
    last_ck = time.time()
    snap_every = cfg.get("snapshot_minutes", 20) * 60.0
    next_snap = (math.floor(elapsed0 / snap_every) + 1) * snap_every
    bs = cfg["batch"] // world
    run_loss, run_smooth, run_n, t_log = 0.0, 0.0, 0, time.time()

    def save(path):
        torch.save({"model": [m.state_dict() for m in modules],
                    "ema": [m.state_dict() for m in ema], "opt": opt.state_dict(), "step": step,
                    "elapsed": time.time() - t_start, "cfg": cfg, "rng": rng.getstate(),
                    "torch_rng": torch.get_rng_state(), "latent_std": std,
                    "ae": os.path.join(HERE, cfg["ae"])}, path + ".tmp")
        os.replace(path + ".tmp", path)

    while True:
        elapsed = time.time() - t_start
        if world > 1:  # all ranks follow rank 0's clock, so they stop together
            te_ = torch.tensor([elapsed], dtype=torch.float64)
            dist.broadcast(te_, 0)
            elapsed = float(te_[0])
        if elapsed >= total:
            break
        frac = elapsed / total
        lr = cfg["lr"] * min(1.0, (step + 1) / cfg["warmup"]) * (
            cfg.get("lr_min", 0.1) + (1 - cfg.get("lr_min", 0.1)) * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        if cfg["kind"] == "video":
            x, caps, _ = video_batch(rng, bs, jitter=cfg.get("video_jitter"))
        else:
            x, caps, _ = image_batch(rng, bs)
        x0 = encode(enc, torch.from_numpy(x), std)
        caps = [c if rng.random() >= cfg["cfg_drop"] else "" for c in caps]
        th = te(tok(caps))
        noise = torch.randn_like(x0)
        t = sample_t(bs, cfg["shift"])
        tb = t.reshape(-1, *([1] * (x0.dim() - 1)))
        xt = (1 - tb) * x0 + tb * noise
        target = noise - x0
        loss = 0.0
        for i, (_, (lo, hi), tr) in enumerate(experts):
            sel = (t >= lo) & (t <= hi) if i == 0 else (t >= lo) & (t < hi)
            if len(experts) == 1:
                sel = torch.ones(bs, dtype=torch.bool)
            if sel.sum() == 0:
                continue
            pred = tr(xt[sel], t[sel], th[sel])
            loss = loss + F.mse_loss(pred, target[sel], reduction="sum") / target[0].numel() / bs
            sw = smooth_weight(smooth, frac)
            if sw > 0:
                th_empty = te(tok([""])) if smooth.get("uncond") else None
                sm = smoothness(tr, x0[sel], noise[sel], t[sel], th[sel], smooth, th_empty) * sel.sum() / bs
                loss = loss + sw * sm
                run_smooth += sm.item()
        opt.zero_grad()
        loss.backward()
        if world > 1:
            for p in params:
                if p.grad is None:
                    p.grad = torch.zeros_like(p)
            flat = torch.cat([p.grad.reshape(-1) for p in params])
            dist.all_reduce(flat)
            flat /= world
            i0 = 0
            for p in params:
                p.grad.copy_(flat[i0:i0 + p.numel()].view_as(p))
                i0 += p.numel()
        gn = torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        d = min(cfg["ema"], (1 + step) / (10 + step))
        with torch.no_grad():
            for m, e in zip(modules, ema):
                for p, pe in zip(m.parameters(), e.parameters()):
                    pe.mul_(d).add_(p.detach(), alpha=1 - d)
        run_loss += loss.item()
        run_n += 1
        if step % cfg.get("log_every", 25) == 0:
            now = time.time()
            sm_txt = f" (smoothness {run_smooth / run_n:.4f})" if smooth else ""
            say(f"step {step} min {(now - t_start) / 60:.1f} loss {run_loss / run_n:.4f}{sm_txt} "
                f"gnorm {gn:.2f} lr {lr:.2e} s/step {(now - t_log) / run_n:.2f}")
            run_loss, run_smooth, run_n, t_log = 0.0, 0.0, 0, now
        if rank == 0 and time.time() - last_ck > cfg["ckpt_minutes"] * 60:
            save(ck_path)
            last_ck = time.time()
        if rank == 0 and time.time() - t_start >= next_snap:
            save(os.path.join(out, f"ckpt_{int(next_snap / 60):03d}min.pt"))
            next_snap += snap_every
    if rank == 0:
        save(ck_path)
        save(os.path.join(out, "ckpt_final.pt"))
        say(f"done: {step} steps in {(time.time() - t_start) / 60:.1f} min")
    if world > 1:
        dist.barrier()


def cli():
    """Entry point: the one argument is the config file."""
    if len(sys.argv) != 2:
        sys.exit("usage: python3 -m train.train_dit <config.json>")
    main(sys.argv[1])


if __name__ == "__main__":
    cli()
