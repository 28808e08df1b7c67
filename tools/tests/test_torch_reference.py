"""torch_reference rebuilds a package in PyTorch eager from its files alone (ONNX initializers via
torch.json) and reproduces the package's reference.json; its DBCache skips exactly what its
threshold and warm-up say. (Its bench mode, against the engine, is tested in
test/bench/model-bench.test.ts.)"""
import json
import os
import subprocess
import sys

import numpy as np
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


def serve(lines, *extra):
    """Runs the bench child (--serve) on tiny-image, feeds it `lines`, closes stdin -> answers."""
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO, "tools"))
    p = subprocess.run([sys.executable, "-m", "train.torch_reference", "--model", os.path.join(FIXTURES, "tiny-image"),
                        "--serve", "--bench-caches", "none,F1B0", "--steps", "3", "--threads", "1", *extra],
                       input="".join(line + "\n" for line in lines), env=env, capture_output=True, text=True,
                       timeout=120, check=True)
    return [json.loads(line) for line in p.stdout.splitlines()]


def test_serve_says_ready_after_its_warm_up_and_exits_cleanly_at_eof():
    # check=True in serve(): exit status 0 when stdin closes with no command at all.
    [ready] = serve([])
    assert ready["ready"] is True
    assert ready["torch"] == torch.__version__
    assert [ready["threads"], ready["steps"], ready["noiseFromFile"]] == [1, 3, False]


def test_serve_answers_each_command_line_with_that_runs_step_times_and_saves_outputs_when_asked(tmp_path):
    prefix = str(tmp_path / "run")
    ready, plain, cached = serve([json.dumps({"mode": "eager", "cache": "none", "save": prefix}),
                                  json.dumps({"mode": "eager", "cache": "F1B0"})])
    assert ready["ready"] is True
    assert len(plain["stepMs"]) == 3 and plain["totalMs"] >= sum(plain["stepMs"])
    assert [plain["cachedCalls"], plain["calls"]] == [0, 0]
    assert cached["calls"] == 2 * 3  # cond and uncond, every step; the cache's warm-up keeps them all computed
    latent = np.fromfile(prefix + ".latent.f32", dtype="<f4")
    man, tok, te, experts, dec = load_package(os.path.join(FIXTURES, "tiny-image"))
    _, x, _ = run(man, tok, te, experts, dec, man["examples"][0], "", 3, man["defaults"]["guidanceScale"], 0)
    assert np.array_equal(latent, x.numpy().reshape(-1))
    assert os.path.exists(prefix + ".image.f32")


def test_serve_answers_a_garbage_or_impossible_command_with_an_error_line_and_goes_on():
    ready, garbage, unknown, not_warm, ok = serve(["not json", json.dumps({"mode": "fast", "cache": "none"}),
                                                   json.dumps({"mode": "eager", "cache": "F8B0"}),
                                                   json.dumps({"mode": "eager", "cache": "none"})])
    assert garbage["error"].startswith("JSONDecodeError: ")
    assert unknown["error"].startswith("ValueError: expected {")
    assert not_warm["error"] == "ValueError: cache 'F8B0' was not warmed up (warmed up: none,F1B0)"
    assert len(ok["stepMs"]) == 3


@pytest.mark.skipif(hasattr(torch, "compile"), reason="this PyTorch has torch.compile")
def test_serve_without_torch_compile_says_why_in_its_ready_line_and_refuses_compile_runs():
    ready, compiled, eager = serve([json.dumps({"mode": "compile", "cache": "none"}),
                                    json.dumps({"mode": "eager", "cache": "none"})], "--bench-compile")
    reason = f"torch {torch.__version__} has no torch.compile (PyTorch 2.x has)"
    assert [ready["compileError"], ready["compiled"]] == [reason, None]
    assert compiled["error"] == f"ValueError: mode 'compile' is not available ({reason})"
    assert len(eager["stepMs"]) == 3
