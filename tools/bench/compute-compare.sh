#!/bin/bash
# The compute-bound comparison of docs/bench-compute.md, interleaved: ROUNDS rounds of (engine,
# PyTorch eager) transformer calls on the compute-bound package, then torch.compile once (its
# warm-up compiles for minutes), then the peak GEMM of both runtimes. The package is generated
# into CACHE (default ~/.cache/cache-studio) when missing; never committed. Run from the repo root.
#   ROUNDS=5 THREADS=1 PY=/work/venv/bin/python tools/bench/compute-compare.sh
set -euo pipefail
PY=${PY:-/work/venv/bin/python}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-5}
CACHE=${CACHE:-$HOME/.cache/cache-studio}
PKG="$CACHE/compute-bench-d512-t1024"
[ -f "$PKG/model.json" ] || (cd tools && PYTHONPATH=. "$PY" -m train.make_compute_bench "$CACHE")
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TOP_PAD_=1073741824
for i in $(seq 1 "$ROUNDS"); do
  echo "round $i load $(cut -d' ' -f1 /proc/loadavg)"
  THREADS=$THREADS CALLS=3 npx tsx tools/bench/compute-calls.mts "$PKG" 2>/dev/null
  (cd tools && PYTHONPATH=. "$PY" bench/compute_calls.py "$PKG" --threads "$THREADS" --calls 3)
done
[ "${COMPILE:-1}" = 1 ] && (cd tools && PYTHONPATH=. "$PY" bench/compute_calls.py "$PKG" --threads "$THREADS" --calls 3 --compile)
"$PY" tools/bench/gemm_peak.py --threads "$THREADS" --onnx "$CACHE/gemm-2048.onnx"
THREADS=$THREADS npx tsx tools/bench/gemm-peak.mts "$CACHE/gemm-2048.onnx" 2>/dev/null
