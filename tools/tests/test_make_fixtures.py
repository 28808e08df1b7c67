"""make_fixtures regenerates the committed test fixtures: graphs, tokenizer and torch.json byte for
byte, reference.json within float32 rounding (its sums run through BLAS). Only meaningful with the
PyTorch that exported the committed graphs (the ONNX producer version)."""
import json
import os

import onnx
import pytest
import torch.onnx

from conftest import FIXTURES
from train import make_fixtures

FIXTURE = "tiny-p3"


def test_tiny_p3_is_regenerated_as_committed(tmp_path):
    committed = os.path.join(FIXTURES, FIXTURE)
    with open(os.path.join(committed, "model.json")) as f:
        want = json.load(f)
    producer = onnx.load(os.path.join(committed, "text_encoder.onnx")).producer_version
    if producer != torch.onnx.producer_version:
        pytest.skip(f"fixtures were exported by torch {producer}, this is {torch.onnx.producer_version}")
    (d,) = make_fixtures.main(str(tmp_path), only={FIXTURE})
    with open(os.path.join(d, "model.json")) as f:
        got = json.load(f)
    assert {k: v for k, v in got.items() if k != "files"} == {k: v for k, v in want.items() if k != "files"}
    assert sorted(got["files"]) == sorted(want["files"])
    for rel in got["files"]:
        if rel != "reference.json":
            assert got["files"][rel] == want["files"][rel], rel
    with open(os.path.join(d, "torch.json"), "rb") as a, open(os.path.join(committed, "torch.json"), "rb") as b:
        assert a.read() == b.read()
    with open(os.path.join(d, "reference.json")) as a, open(os.path.join(committed, "reference.json")) as b:
        r, c = json.load(a), json.load(b)
    assert {k: v for k, v in r.items() if k != "latentOut"} == {k: v for k, v in c.items() if k != "latentOut"}
    assert max(abs(x - y) for x, y in zip(r["latentOut"], c["latentOut"])) < 1e-5
