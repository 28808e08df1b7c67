"""Writes a model package (docs/model-package.md): per-graph ONNX files, tokenizer.json,
reference.json, model.json with sha256s. Used by tools/train/make_fixtures.py and tools/train/export.py.
"""
import hashlib
import json
import os
import warnings

import torch
import torch.nn as nn

from .dit import PATTERN_IO
from .sampling import flow_sigmas, sample
from .vocab import VOCAB, WordTokenizer, tokenizer_json

OPSET = 17


class _BlockIO(nn.Module):
    """Gives a block the ONNX signature of its pattern: (pattern inputs..., temb)."""

    def __init__(self, block, pattern):
        super().__init__()
        self.block, self.pattern = block, pattern

    def forward(self, *args):
        return self.block(*args)


def export_onnx(module, args, path, input_names, output_names):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    dyn = {n: {0: "batch"} for n in input_names + output_names}
    module.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, tuple(args), path, input_names=input_names,
                          output_names=output_names, dynamic_axes=dyn, opset_version=OPSET,
                          do_constant_folding=True)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    got_in = [i.name for i in m.graph.input]
    got_out = [o.name for o in m.graph.output]
    assert got_in == input_names, (path, got_in, input_names)
    assert got_out == output_names, (path, got_out, output_names)


def weight_map(module, path):
    """{state_dict key: [initializer name, transposed]} for the exported ONNX file, found by value
    (torch folds Linear weights into transposed MatMul initializers and merges equal ones).
    Lets tools/train/torch_reference.py rebuild the PyTorch modules from a package alone."""
    import numpy as np
    import onnx
    from onnx import numpy_helper
    inits = {}
    for i in onnx.load(path).graph.initializer:
        a = numpy_helper.to_array(i)
        inits.setdefault(a.astype(np.float32).tobytes() if a.dtype != np.int64 else b"", i.name)
    out = {}
    for k, v in module.state_dict().items():
        a = v.detach().cpu().numpy().astype(np.float32)
        if a.ndim == 2 and a.T.copy().tobytes() in inits:
            out[k] = [inits[a.T.copy().tobytes()], True]
        elif a.tobytes() in inits:
            out[k] = [inits[a.tobytes()], False]
    return out


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _flat(t):
    """Row-major float list; 9 significant digits round-trip float32 exactly."""
    return [float(f"{v:.9g}") for v in t.detach().float().reshape(-1).tolist()]


def write_package(outdir, *, meta, text_encoder, experts, decoder, max_length, shift, defaults,
                  cache=None, examples=None, reference=None, readme=None, held_out_prompts=None):
    """experts: list of dicts {name, range, model: Transformer, prefix}. meta: id, name, kind,
    description, output {width,height,frames,fps}. reference: dict(prompt, negativePrompt, steps,
    guidanceScale, separateCfg, seed) -> reference.json computed with models.sample.
    held_out_prompts: captions kept out of training -> manifest evaluation.heldOutPrompts, so
    `studio evaluate` can score training and held-out combinations apart."""
    os.makedirs(outdir, exist_ok=True)
    text_encoder.eval()
    cfg0 = experts[0]["model"].cfg
    c, f, h, w = cfg0["latent_shape"]
    video = meta["kind"] == "video"
    lat1 = (1, c, f, h, w) if video else (1, c, h, w)
    L, Dt = max_length, cfg0["text_dim"]

    files = []
    tmap = {"vocab": VOCAB, "max_length": max_length, "text_encoder": text_encoder.arch,
            "decoder": getattr(decoder, "arch", None), "transformers": [], "weights": {}}

    def record(module, rel):
        tmap["weights"][rel] = weight_map(module, os.path.join(outdir, rel))
    # tokenizer
    with open(os.path.join(outdir, "tokenizer.json"), "w") as fh:
        json.dump(tokenizer_json(VOCAB, max_length), fh, indent=1)
    files.append("tokenizer.json")
    # text encoder
    ids = torch.zeros(1, L, dtype=torch.int64)
    export_onnx(text_encoder, [ids], os.path.join(outdir, "text_encoder.onnx"),
                ["input_ids"], ["text_hidden"])
    files.append("text_encoder.onnx")
    record(text_encoder, "text_encoder.onnx")

    tjson = []
    for ex in experts:
        m, prefix = ex["model"], ex["prefix"]
        m.eval()
        cfg = m.cfg
        lat = torch.randn(*lat1)
        t = torch.full((1,), 0.5)
        th = torch.randn(1, L, Dt)
        enc = cfg["encoder_stream"]
        emb_out = ["hidden_states"] + (["encoder_hidden_states"] if enc else []) + ["temb"]
        p = f"{prefix}/embed.onnx"
        export_onnx(m.embed, [lat, t, th], os.path.join(outdir, p),
                    ["latent", "timestep", "text_hidden"], emb_out)
        files.append(p)
        record(m.embed, p)
        tmap["transformers"].append({"name": ex["name"], "range": list(ex["range"]), "cfg": cfg})
        with torch.no_grad():
            eo = m.embed(lat, t, th)
        hs, temb = eo[0], eo[-1]
        es = eo[1] if enc else None
        lists = []
        for (lname, pattern, btype, n), blocks in zip(cfg["lists"], m.lists):
            ins, outs = PATTERN_IO[pattern]
            paths = []
            for i, b in enumerate(blocks):
                p = f"{prefix}/{lname}_{i:02d}.onnx"
                args = [hs] + ([es] if "encoder_hidden_states" in ins else []) + [temb]
                export_onnx(_BlockIO(b, pattern), args, os.path.join(outdir, p),
                            ins + ["temb"], outs)
                files.append(p)
                record(b, p)
                paths.append(p)
            lists.append({"name": lname, "pattern": pattern, "blocks": paths})
        p = f"{prefix}/final.onnx"
        export_onnx(m.final, [hs, temb], os.path.join(outdir, p),
                    ["hidden_states", "temb"], ["velocity"])
        files.append(p)
        record(m.final, p)
        tjson.append({"name": ex["name"], "timestepRange": list(ex["range"]),
                      "embed": {"file": f"{prefix}/embed.onnx"}, "blockLists": lists,
                      "final": {"file": f"{prefix}/final.onnx"}})

    if decoder is not None:
        decoder.eval()
        export_onnx(decoder, [torch.randn(*lat1)], os.path.join(outdir, "decoder.onnx"),
                    ["latent"], ["image"])
        files.append("decoder.onnx")
        record(decoder, "decoder.onnx")

    if reference is not None:
        ref = make_reference(text_encoder, experts, decoder, lat1, max_length, shift, reference)
        with open(os.path.join(outdir, "reference.json"), "w") as fh:
            json.dump(ref, fh)
        files.append("reference.json")

    manifest = {
        "format": "cache-studio-model/1",
        "id": meta["id"],
        "name": meta["name"],
        "kind": meta["kind"],
        "description": meta.get("description", ""),
        "output": meta["output"],
        "latent": {"channels": c, "frames": f, "height": h, "width": w},
        "tokenizer": {"file": "tokenizer.json", "maxLength": max_length},
        "textEncoder": {"file": "text_encoder.onnx"},
        "transformers": tjson,
    }
    if decoder is not None:
        manifest["decoder"] = {"file": "decoder.onnx"}
    manifest["scheduler"] = {"type": "flow_match_euler", "shift": shift}
    manifest["defaults"] = defaults
    if cache is not None:
        manifest["cache"] = cache
    if examples:
        manifest["examples"] = examples
    if held_out_prompts:
        manifest["evaluation"] = {"heldOutPrompts": list(held_out_prompts)}
    manifest["files"] = {p: sha256(os.path.join(outdir, p)) for p in files}
    if reference is not None:
        manifest["reference"] = {"file": "reference.json"}
    with open(os.path.join(outdir, "model.json"), "w") as fh:
        json.dump(manifest, fh, indent=1)
        fh.write("\n")
    # not part of the engine's contract: architecture + weight locations for torch_reference.py
    with open(os.path.join(outdir, "torch.json"), "w") as fh:
        json.dump(tmap, fh)
    if readme:
        with open(os.path.join(outdir, "README.md"), "w") as fh:
            fh.write(readme)
    return manifest


def make_reference(text_encoder, experts, decoder, lat1, max_length, shift, r):
    tok = WordTokenizer(VOCAB, max_length)
    g = torch.Generator().manual_seed(r.get("seed", 0))
    noise = torch.randn(*lat1, generator=g)
    ex = [(tuple(e["range"]), e["model"]) for e in experts]
    x = sample(text_encoder, ex, tok([r["prompt"]]), tok([r.get("negativePrompt", "")]), noise,
               r["steps"], shift, r["guidanceScale"], r.get("separateCfg", True))
    ref = {"prompt": r["prompt"], "negativePrompt": r.get("negativePrompt", ""),
           "steps": r["steps"], "guidanceScale": r["guidanceScale"],
           "separateCfg": r.get("separateCfg", True), "seed": r.get("seed", 0),
           "inputIds": tok.encode(r["prompt"]),
           "sigmas": flow_sigmas(r["steps"], shift),
           "latentShape": list(lat1),
           "noise": _flat(noise), "latentOut": _flat(x)}
    if decoder is not None:
        with torch.no_grad():
            img = decoder(x)
        ref["imageShape"] = list(img.shape)
        ref["image"] = _flat(img)
    return ref
