"""Shared fixtures: tiny packages written by the package writer into a temporary folder, once per
test session (exporting is the slow part)."""
import os

import pytest
import torch

from train.autoencoder import ImageDecoder
from train.dit import Transformer
from train.package import write_package
from train.text_encoder import TextEncoder
from train.vocab import VOCAB

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "test", "fixtures", "models")
MAXLEN = 8
PROMPT = "a red circle at the center on a blue background"

# Block type that has each forward pattern, and whether its blocks take an encoder stream.
PATTERNS = {"Pattern_0": ("double", True), "Pattern_1": ("double", True),
            "Pattern_2": ("cross", True), "Pattern_3": ("self", False),
            "Pattern_4": ("self", False), "Pattern_5": ("self", False)}


def tiny_cfg(lists, encoder_stream):
    return {"kind": "image", "latent_shape": [4, 1, 4, 4], "patch": [1, 2, 2], "dim": 8,
            "heads": 2, "mlp_ratio": 2, "text_dim": 8, "t_freq": 8,
            "encoder_stream": encoder_stream, "lists": lists}


def write_tiny(outdir, lists, encoder_stream, decoder=True, seed=0):
    torch.manual_seed(seed)
    te = TextEncoder(len(VOCAB), MAXLEN, 8, heads=2, layers=1)
    model = Transformer(tiny_cfg(lists, encoder_stream))
    dec = ImageDecoder(4, 16, 1) if decoder else None
    write_package(
        outdir, meta={"id": "tiny-test", "name": "Tiny test", "kind": "image",
                      "output": {"width": 8 if decoder else 4, "height": 8 if decoder else 4, "frames": 1}},
        text_encoder=te, experts=[{"name": "transformer", "range": [0, 1], "model": model,
                                   "prefix": "transformer"}],
        decoder=dec, max_length=MAXLEN, shift=3.0,
        defaults={"steps": 3, "guidanceScale": 3.0, "separateCfg": True, "negativePrompt": ""},
        cache={"mergeBlockLists": True}, examples=[PROMPT],
        reference={"prompt": PROMPT, "negativePrompt": "", "steps": 3, "guidanceScale": 3.0,
                   "separateCfg": True, "seed": 1},
        held_out_prompts=["a blue square at the top on a red background"])
    return outdir


@pytest.fixture(scope="session")
def flux_like(tmp_path_factory):
    """A FLUX-like package: a double-stream and a single-stream list (Pattern_1), a decoder."""
    return write_tiny(str(tmp_path_factory.mktemp("flux_like")),
                      [["double", "Pattern_1", "double", 2], ["single", "Pattern_1", "single", 2]], True)


@pytest.fixture(scope="session")
def per_pattern(tmp_path_factory):
    """One package per forward pattern (one block each, no decoder): {pattern: folder}."""
    out = {}
    for pattern, (btype, enc) in PATTERNS.items():
        d = str(tmp_path_factory.mktemp(pattern))
        out[pattern] = write_tiny(d, [["blocks", pattern, btype, 1]], enc, decoder=False)
    return out
