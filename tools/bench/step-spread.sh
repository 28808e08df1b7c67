#!/bin/bash
# The step-time spread measurement of docs/engine.md: ROUNDS fresh processes per thread count
# (1 and 2, interleaved), each under perf stat's software counters (the VM has no hardware ones:
# `perf stat -e instructions true` says <not supported>). Run from the repository root.
# LAYOUTS: space-separated THREADS:LANES:SPIN[:BATCH] (default "1:1:0 2:1:0"; BATCH 1: CFG batched).
set -euo pipefail
ROUNDS=${ROUNDS:-10}
out=$(mktemp -d)
for i in $(seq 1 "$ROUNDS"); do
  for layout in ${LAYOUTS:-1:1:0 2:1:0}; do
    IFS=: read -r t l sp b <<<"$layout"
    load=$(cut -d' ' -f1 /proc/loadavg)
    line=$(THREADS=$t LANES=$l SPIN=$sp CFG_BATCH=${b:-0} GENS=${GENS:-4} perf stat -x, -e task-clock,context-switches,cpu-migrations,page-faults \
      -o "$out/perf.csv" npx tsx tools/bench/step-spread.mts "$@" 2>/dev/null | grep threads)
    counters=$(grep -v '^#' "$out/perf.csv" | grep -v '^$' | cut -d, -f1,3 | tr '\n' ' ')
    echo "run $i load $load | $line | $counters"
  done
done
rm -r "$out"
