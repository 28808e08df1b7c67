"""Exports a training checkpoint (any: latest, snapshot or final; EMA weights) to a model package.

  PYTHONPATH=tools /usr/bin/python3 -m train.export <checkpoint.pt> <outdir> [--eval 64] [--guidance G]

Writes per-block ONNX graphs, tokenizer.json, model.json (sha256s), reference.json (the
PyTorch output for a fixed prompt and noise at the default steps and guidance) and README.md
(model card; with --eval N it samples N train + N held-out prompts and reports evaluate.py scores).
"""
import argparse
import json
import os
import shutil

import torch

from .data import (FRAMES, IMAGE_HELD_OUT, IMAGE_TRAIN, PALETTE, TRAVEL,
                   VIDEO_HELD_OUT, VIDEO_TRAIN, image_caption, video_caption)
from .package import write_package
from .sample_eval import load, run_eval
from .train_dit import smooth_depths, smooth_schedule

HERE = os.path.dirname(os.path.abspath(__file__))
# How the model card says to run this package's commands from the repository root.
RUN = "PYTHONPATH=tools /usr/bin/python3 -m train"

META = {
    "image": {"id": "shapes-flux-tiny", "name": "Shapes FLUX (tiny)",
              "description": "FLUX-like text-to-image DiT (double-stream + single-stream blocks, "
                             "flow matching) trained on procedural coloured shapes, 32x32.",
              "prompt": "a red circle at the center on a blue background",
              "examples": ["a red circle at the center on a blue background",
                           "a yellow triangle at the top left on a purple background",
                           "a white square at the bottom right on a black background",
                           "a green circle at the right on a orange background"]},
    "video": {"id": "shapes-wan-tiny", "name": "Shapes Wan (tiny video)",
              "description": "Wan 2.2-like text-to-video DiT (cross-attention blocks, "
                             "high-noise and low-noise experts, flow matching) trained on "
                             "procedural moving shapes, 8 frames of 32x32.",
              "prompt": "a red circle moving right on a blue background",
              "examples": ["a red circle moving right on a blue background",
                           "a yellow triangle moving up on a purple background",
                           "a white square moving left on a black background",
                           "a green circle moving down on a orange background"]},
}


def n_tokens(cfg):
    pt, ph, pw = cfg["model"]["patch"]
    return (cfg.get("frames", 1) // pt) * (8 // ph) * (8 // pw)


def recipe_text(cfg):
    """What the run did beyond plain flow matching: the run it was fine-tuned from, the timestep
    embedding's frequencies, the smoothness term (and from when)."""
    text = ""
    base_m = {}
    if cfg.get("init"):
        base = torch.load(os.path.join(HERE, cfg["init"]), map_location="cpu")
        bc = base["cfg"]
        base_m = bc["model"]
        text += (f", fine-tuned from `{cfg['init']}` ({base['step']} steps in {base['elapsed'] / 60:.0f} min, "
                 f"`configs/{bc['name']}.json`)")
    m = cfg["model"]
    if m.get("t_scale", 1000.0) != base_m.get("t_scale", 1000.0):
        text += (f"; lower-frequency timestep embedding (t x {m['t_scale']:g}, periods up to "
                 f"{m.get('t_max_period', 10000.0):g}) so that the modulation moves little between "
                 "sampling steps")
    if cfg.get("smooth"):
        sm = cfg["smooth"]
        where = " and of ".join(f"the first {d} blocks" for d in smooth_depths(sm))
        when = ", then ".join(f"weight {w:g}" + (f" from {f:.0%} of the run" if f else "")
                              for f, w in smooth_schedule(sm))
        text += (f"; a smoothness term ({when}) on the relative L1 change of "
                 f"the residual of {where} between sigmas up to {sm['max_dt']:g} apart on one noising "
                 "path: the quantity the step cache thresholds, and the residual a cached step reuses")
        if sm.get("uncond"):
            text += (f", {sm['uncond']:.0%} of its samples measured with the empty caption (CFG's "
                     "unconditional branch has a cache state of its own)")
    return text


def model_card(meta, cfg, ck, manifest, size, scores, guidance, shift, note="", ckpt="ckpt_final.pt"):
    video = cfg["kind"] == "video"
    n_params = sum(p.numel() for m in ck["_modules"] for p in m.parameters())
    tr = manifest["transformers"]
    lines = [f"# {meta['name']}", "", meta["description"], "",
             "## Data", ""]
    if video:
        lines += ['Captions: "a {color} {shape} moving {left|right|up|down} on a {color} background".',
                  f"{FRAMES} frames of 32x32; the shape travels {TRAVEL:.0f} px from first to last frame, " + (
                      f"its path centred (start and cross-axis position within +-{cfg['video_jitter']:g} px)."
                      if cfg.get("video_jitter") is not None else "start and cross-axis position random."),
                  f"{len(VIDEO_TRAIN)} caption combinations used in training, {len(VIDEO_HELD_OUT)} held out "
                  "(seeded 10 % split, `tools/train/data.py`)."]
    else:
        lines += ['Captions: "a {color} {shape} at the {position} on a {color} background".',
                  "32x32 RGB, shape radius 5-6.5 px, centre jittered +-1.5 px around a 3x3 grid.",
                  f"{len(IMAGE_TRAIN)} caption combinations used in training, {len(IMAGE_HELD_OUT)} held out "
                  "(seeded 10 % split, `tools/train/data.py`)."]
    lines += ["Colours, shapes never equal to the background colour: " +
              ", ".join(f"{k} {tuple(v)}" for k, v in PALETTE.items()) + ".",
              "Unknown words map to [UNK]; the empty prompt is the unconditional input.", "",
              "## Model", "",
              f"- Text encoder: word-level tokens (maxLength {cfg['max_length']}), "
              f"{cfg['model']['text_layers']} transformer layers, width {cfg['model']['text_dim']}.",
              f"- Autoencoder: conv, 32x32x3 <-> {cfg['latent_ch']}x8x8 per frame "
              "(decoder.onnx; latents scaled to unit variance). Encoder: `train_ae.py` "
              "(`configs/ae.json`); shipped decoder: " + (
                  "`train_decoder.py` (`configs/decoder.json`, wider, trained on the frozen encoder)"
                  if "ae_dec" in ck.get("ae_used", "") else "the autoencoder's own") + ".",
              f"- Transformer width {cfg['model']['dim']}, {cfg['model']['heads']} heads, "
              f"MLP ratio {cfg['model']['mlp_ratio']}, patch {cfg['model']['patch']} -> "
              f"{n_tokens(cfg)} latent tokens."]
    for t in tr:
        lists = ", ".join(f"{bl['name']} ({len(bl['blocks'])} x {bl['pattern']})"
                          for bl in t["blockLists"])
        lines.append(f"- `{t['name']}` serves sigmas {t['timestepRange']}: {lists}.")
    lines += [f"- {n_params / 1e6:.2f} M parameters in all; package {size / 1e6:.1f} MB.",
              f"- Flow matching (velocity = noise - x0), shift {shift}, classifier-free dropout "
              f"{cfg['cfg_drop']:.0%} of captions to \"\".",
              "", "## Training", "",
              f"PyTorch {torch.__version__} on CPU ({cfg.get('threads', 2)} threads), batch {cfg['batch']}, "
              f"AdamW lr {cfg['lr']} cosine, EMA {cfg['ema']}: {ck['step']} steps in "
              f"{ck['elapsed'] / 60:.0f} min (exported checkpoint)" + recipe_text(cfg) + ". Config: "
              f"`tools/train/configs/{cfg['name']}.json`; "
              f"`{RUN}.train_ae tools/train/configs/ae_v1.json`, the same with `configs/ae.json`, "
              f"`{RUN}.train_decoder tools/train/configs/decoder.json`, then "
              f"`{RUN}.train_dit tools/train/configs/{cfg['name']}.json`, "
              f"`{RUN}.export tools/train/runs/{cfg['name']}/{os.path.basename(ckpt)} <dir> "
              f"--ae tools/train/runs/ae_dec/ae.pt --guidance {guidance:g} "
              f"--eval {scores['train']['n'] if scores else 0}`.",
              ""] + ([note, ""] if note else []) + ["## Scores", ""]
    if scores:
        keys = [k for k in scores["train"] if k != "n"]
        lines += [f"`tools/train/evaluate.py` (Python monitor; the app's evaluator is separate), "
                  f"{scores['steps']} steps, guidance {guidance}, no cache, "
                  f"{scores['train']['n']} samples per row:", "",
                  "| set | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
        for s in ("train", "held_out"):
            lines.append(f"| {s} | " + " | ".join(f"{scores[s][k]:.3f}" for k in keys) + " |")
    else:
        lines.append("Not evaluated at export.")
    lines += ["", "`reference.json`: PyTorch output for its prompt, seed and noise at the default "
              "steps and guidance (parity target for the engine).", ""]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("outdir")
    ap.add_argument("--eval", type=int, default=0)
    ap.add_argument("--guidance", type=float, default=None)
    ap.add_argument("--shift", type=float, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ae", help="autoencoder checkpoint whose decoder to ship (same encoder)")
    ap.add_argument("--note", default="", help="extra paragraph for the model card's Training")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    ck, cfg, te, experts, dec = load(a.ckpt, a.ae)
    ck["_modules"] = [te] + [m for _, _, m in experts] + [dec]
    meta = dict(META[cfg["kind"]])
    g = a.guidance if a.guidance is not None else cfg.get("guidance", 4.0)
    shift = a.shift if a.shift is not None else cfg["shift"]
    steps = 28
    scores = None
    if a.eval:
        scores = run_eval(ck, cfg, te, experts, dec, a.eval, steps, g, shift)
        scores["steps"] = steps
        print(json.dumps(scores))
    if os.path.isdir(a.outdir):
        shutil.rmtree(a.outdir)
    video = cfg["kind"] == "video"
    ex = [{"name": n, "range": list(r), "model": m,
           "prefix": "transformer" if len(experts) == 1 else f"transformer_{n}"}
          for n, r, m in experts]
    manifest = write_package(
        a.outdir,
        meta={"id": meta["id"], "name": meta["name"], "kind": cfg["kind"],
              "description": meta["description"],
              "output": {"width": 32, "height": 32, "frames": FRAMES if video else 1,
                         **({"fps": 8} if video else {})}},
        text_encoder=te, experts=ex, decoder=dec, max_length=cfg["max_length"], shift=shift,
        defaults={"steps": steps, "guidanceScale": g, "separateCfg": True, "negativePrompt": ""},
        cache=None if video else {"mergeBlockLists": True}, examples=meta["examples"],
        held_out_prompts=([video_caption(*c) for c in VIDEO_HELD_OUT] if video
                          else [image_caption(*c) for c in IMAGE_HELD_OUT]),
        reference={"prompt": meta["prompt"], "negativePrompt": "", "steps": steps,
                   "guidanceScale": g, "separateCfg": True, "seed": 0})
    size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(a.outdir) for f in fs)
    with open(os.path.join(a.outdir, "README.md"), "w") as f:
        f.write(model_card(meta, cfg, ck, manifest, size, scores, g, shift, a.note, a.ckpt))
    if scores:
        with open(os.path.join(a.outdir, "scores.json"), "w") as f:
            json.dump(scores, f, indent=1)
    print(f"exported {a.ckpt} (step {ck['step']}) -> {a.outdir}, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
