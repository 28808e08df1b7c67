"""The peak matrix-multiply rate of this CPU on N threads (issue 17: the compute-bound bench states
the share of it each side reaches). Times a plain float32 GEMM in PyTorch (its BLAS) and writes
the same GEMM as a one-node ONNX graph, which tools/bench/gemm-peak.mts times in ONNX Runtime.

  /work/venv/bin/python tools/bench/gemm_peak.py --threads 1 --n 2048 --onnx /tmp/gemm.onnx
"""
import argparse
import time

import torch


def torch_gflops(n, threads, repeats):
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(2):
        a @ b
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        a @ b
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    # per wall second, and per CPU second of the process (all threads): on a shared machine the
    # second is the rate of the cores while this process had them
    return 2 * n ** 3 / best / 1e9, 2 * n ** 3 / best_cpu / 1e9


def write_onnx(path, n):
    import onnx
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node("MatMul", ["a", "b"], ["c"])], "gemm",
                          [helper.make_tensor_value_info("a", TensorProto.FLOAT, [n, n]),
                           helper.make_tensor_value_info("b", TensorProto.FLOAT, [n, n])],
                          [helper.make_tensor_value_info("c", TensorProto.FLOAT, [n, n])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8  # what onnxruntime-node 1.30 reads (it refuses IR 14)
    onnx.save(m, path)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--repeats", type=int, default=8)
    ap.add_argument("--onnx")
    a = ap.parse_args()
    wall, cpu = torch_gflops(a.n, a.threads, a.repeats)
    print(f"torch {torch.__version__} GEMM {a.n}^3 x {a.threads} threads: {wall:.1f} GFLOP/s wall, "
          f"{cpu:.1f} GFLOP per CPU second (best of {a.repeats})")
    if a.onnx:
        write_onnx(a.onnx, a.n)
