"""torch_reference rebuilds a package in PyTorch eager from its files alone (ONNX initializers via
torch.json) and reproduces the package's reference.json; its DBCache skips exactly what its
threshold and warm-up say. (Its bench mode, against the engine, is tested in
test/bench/model-bench.test.ts.)"""
import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import FIXTURES, REPO
from train.sampling import sample
from train.torch_reference import DBCache, load_package, run


def reference_diff(d):
    """Max |latent - reference.json latentOut| of the rebuilt package, as --check-reference runs it."""
    man, tok, te, experts, _ = load_package(d)
    with open(os.path.join(d, man["reference"]["file"])) as f:
        ref = json.load(f)
    noise = torch.tensor(ref["noise"]).reshape(ref["latentShape"])
    x = sample(te, [(r, m) for r, _, m in experts], tok([ref["prompt"]]), tok([ref["negativePrompt"]]),
               noise, ref["steps"], man["scheduler"]["shift"], ref["guidanceScale"], ref["separateCfg"])
    return (x.reshape(-1) - torch.tensor(ref["latentOut"])).abs().max().item()


def test_a_package_just_written_is_rebuilt_and_matches_its_reference(flux_like):
    assert reference_diff(flux_like) < 1e-5


@pytest.mark.parametrize("fixture", ["tiny-image", "tiny-p0", "tiny-p3", "tiny-p4", "tiny-p5"])
def test_each_committed_fixture_is_rebuilt_and_matches_its_reference(fixture):
    assert reference_diff(os.path.join(FIXTURES, fixture)) < 1e-4


def test_the_command_checks_a_two_expert_video_fixture_against_its_reference():
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "tools"))
    out = subprocess.run([sys.executable, "-m", "train.torch_reference", "--model",
                          os.path.join(FIXTURES, "tiny-video"), "--check-reference", "--threads", "1"],
                         env=env, capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.startswith("reference: latent max|diff| ")
    assert float(out.split()[-1]) < 1e-4


def cached_run(d, cache):
    man, tok, te, experts, dec = load_package(d)
    _, x, _ = run(man, tok, te, experts, dec, "a red circle at the center on a blue background", "",
                  6, 3.0, 0, cache)
    return x


def test_dbcache_with_threshold_zero_computes_every_block_and_equals_the_uncached_run():
    d = os.path.join(FIXTURES, "tiny-p3")
    cache = DBCache(1, 0, 0.0, 0)
    x = cached_run(d, cache)
    assert not any(t["cached"] for t in cache.trace)
    assert torch.equal(x, cached_run(d, None))


def test_dbcache_skips_every_call_after_warmup_when_the_threshold_is_never_reached():
    d = os.path.join(FIXTURES, "tiny-p3")
    cache = DBCache(1, 1, float("inf"), 2)
    x = cached_run(d, cache)
    for branch in ("cond", "uncond"):
        calls = [t for t in cache.trace if t["branch"] == branch]
        assert [t["cached"] for t in calls] == [False, False, True, True, True, True]
    assert not torch.equal(x, cached_run(d, None))


def test_dbcache_calls_its_front_middle_and_back_blocks_through_ranges_with_the_same_result():
    # The bench's torch.compile mode hands DBCache compiled runs of blocks this way.
    from train.torch_reference import run_range
    d = os.path.join(FIXTURES, "tiny-p3")
    seen = []

    def ranges(model, name, blocks):
        seen.append((name, len(blocks)))
        return lambda h, e, temb: run_range(blocks, h, e, temb)
    plain, routed = DBCache(1, 1, float("inf"), 2), DBCache(1, 1, float("inf"), 2, ranges=ranges)
    assert torch.equal(cached_run(d, plain), cached_run(d, routed))
    assert [t["cached"] for t in routed.trace] == [t["cached"] for t in plain.trace]
    n = sum(len(bl) for bl in load_package(d)[3][0][2].lists)  # every list: DBCache merges them
    # Computed calls run front, middle, back; cached calls front and back.
    assert seen[:3] == [("front", 1), ("middle", n - 2), ("back", 1)]
    assert set(seen) == {("front", 1), ("middle", n - 2), ("back", 1)}


@pytest.mark.skipif(hasattr(torch, "compile"), reason="this PyTorch has torch.compile")
def test_bench_compile_without_torch_compile_says_why_and_keeps_the_eager_timings(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "tools"))
    out = tmp_path / "bench.json"
    subprocess.run([sys.executable, "-m", "train.torch_reference", "--model", os.path.join(FIXTURES, "tiny-image"),
                    "--bench-json", str(out), "--bench-caches", "none", "--repeats", "1", "--steps", "3",
                    "--threads", "1", "--bench-compile"], env=env, capture_output=True, text=True, timeout=120,
                   check=True)
    info = json.loads(out.read_text())
    assert info["compileError"] == f"torch {torch.__version__} has no torch.compile (PyTorch 2.x has)"
    assert info["compiled"] is None
    assert len(info["runs"]["none"]["stepMs"]) == 3
