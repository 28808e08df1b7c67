"""The package writer's model.json has what src/shared/manifest.ts requires (docs/model-package.md)
and nothing else, every file it names is hashed in `files`, and the sha256s are those of the files."""
import hashlib
import json
import os
import re

# src/shared/manifest.ts: required and optional top-level keys (the schema is strict).
REQUIRED = {"format", "id", "name", "kind", "output", "latent", "tokenizer", "textEncoder", "transformers",
            "scheduler", "defaults", "files"}
OPTIONAL = {"description", "decoder", "cache", "examples", "evaluation", "reference"}


def load(d, name):
    with open(os.path.join(d, name)) as f:
        return json.load(f)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def named_files(m):
    """Every file the manifest refers to, as docs/model-package.md lists them."""
    out = [m["tokenizer"]["file"], m["textEncoder"]["file"]]
    for t in m["transformers"]:
        out.append(t["embed"]["file"])
        out += [b for bl in t["blockLists"] for b in bl["blocks"]]
        out.append(t["final"]["file"])
    out += [m[k]["file"] for k in ("decoder", "reference") if k in m]
    return out


def test_model_json_has_the_required_fields_and_no_unknown_ones(flux_like):
    m = load(flux_like, "model.json")
    assert REQUIRED <= set(m) <= REQUIRED | OPTIONAL
    assert m["format"] == "cache-studio-model/1"
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", m["id"])
    assert m["kind"] in ("image", "video")
    assert set(m["latent"]) == {"channels", "frames", "height", "width"}
    assert m["scheduler"] == {"type": "flow_match_euler", "shift": 3.0}
    assert set(m["defaults"]) == {"steps", "guidanceScale", "separateCfg", "negativePrompt"}
    (t,) = m["transformers"]
    assert set(t) == {"name", "timestepRange", "embed", "blockLists", "final"}
    assert t["timestepRange"] == [0, 1]
    assert [(bl["name"], bl["pattern"], len(bl["blocks"])) for bl in t["blockLists"]] == [
        ("double", "Pattern_1", 2), ("single", "Pattern_1", 2)]
    assert m["evaluation"] == {"heldOutPrompts": ["a blue square at the top on a red background"]}


def test_files_holds_the_sha256_of_every_named_file_and_only_those(flux_like):
    m = load(flux_like, "model.json")
    assert sorted(m["files"]) == sorted(named_files(m))
    for rel, digest in m["files"].items():
        assert re.fullmatch(r"[0-9a-f]{64}", digest)
        assert sha256(os.path.join(flux_like, rel)) == digest, rel
    # beside model.json but outside the engine's contract: not hashed
    assert os.path.isfile(os.path.join(flux_like, "torch.json"))
    assert "torch.json" not in m["files"] and "model.json" not in m["files"]


def test_reference_json_has_the_documented_shapes_and_schedule(flux_like):
    m = load(flux_like, "model.json")
    r = load(flux_like, "reference.json")
    lat = m["latent"]
    assert r["latentShape"] == [1, lat["channels"], lat["height"], lat["width"]]
    n = lat["channels"] * lat["height"] * lat["width"]
    assert len(r["noise"]) == len(r["latentOut"]) == n
    assert r["imageShape"] == [1, 3, m["output"]["height"], m["output"]["width"]]
    assert len(r["image"]) == 3 * m["output"]["height"] * m["output"]["width"]
    assert all(0.0 <= v <= 1.0 for v in r["image"])
    # docs/model-package.md: sigmas 1 - i/steps, shifted, then a final 0
    steps, shift = r["steps"], m["scheduler"]["shift"]
    want = [shift * s / (1 + (shift - 1) * s) for s in (1 - i / steps for i in range(steps))] + [0.0]
    assert r["sigmas"] == want
    assert len(r["inputIds"]) == m["tokenizer"]["maxLength"]


def test_tokenizer_json_pads_and_truncates_to_max_length(flux_like):
    m = load(flux_like, "model.json")
    tok = load(flux_like, m["tokenizer"]["file"])
    L = m["tokenizer"]["maxLength"]
    assert tok["padding"]["strategy"] == {"Fixed": L}
    assert tok["truncation"]["max_length"] == L
    assert tok["model"]["type"] == "WordLevel"
    r = load(flux_like, "reference.json")
    vocab = tok["model"]["vocab"]
    words = r["prompt"].lower().split()
    assert r["inputIds"] == [vocab[w] for w in words][:L] + [vocab["[PAD]"]] * max(0, L - len(words))
