#!/usr/bin/env bash
# Per-call overhead of the transformer call, the working tree against a git revision
# (docs/engine.md, "Per-call overhead"). Both trees' tools/bench/call-overhead.mts are bundled
# with esbuild (onnxruntime-node stays external, resolved from this checkout's node_modules).
#
#   tools/bench/call-overhead-compare.sh [REV] [MODEL_DIR]
#     ROUNDS=8 CALLS=300 VARIANTS="none F1B0"   wall/CPU: rounds alternate base, new (fresh processes)
#     CG=1 CG_CALLS=100                          instructions per call under callgrind (the timed
#                                                calls alone; see below)
#
# Prints one JSON line per process and, per variant, the medians of the per-round ratios new/base.
set -euo pipefail
cd "$(dirname "$0")/../.."
REV=${1:-HEAD}
MODEL=${2:-test/fixtures/models/tiny-image}
ROUNDS=${ROUNDS:-8}
CALLS=${CALLS:-300}
VARIANTS=${VARIANTS:-none}
WORK=node_modules/.cache/call-overhead
rm -rf "$WORK/base" && mkdir -p "$WORK/base"
git archive "$REV" src tools | tar -x -C "$WORK/base"
# The base revision may predate the harness: it runs the working tree's copy against its engine.
cp tools/bench/call-overhead.mts "$WORK/base/tools/bench/call-overhead.mts"
bundle() {
  npx esbuild "$1/tools/bench/call-overhead.mts" --bundle --platform=node --format=esm \
    --external:onnxruntime-node --log-level=error --outfile="$2" \
    --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);"
}
bundle "$WORK/base" "$WORK/base.mjs"
bundle . "$WORK/new.mjs"
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TOP_PAD_=1073741824

if [ "${CG:-0}" = 1 ]; then
  # Callgrind dumps its counts at every getpriority(2) (--dump-before): the harness calls it right
  # before and right after its timed calls and nothing else in node does, so dump 2 holds exactly
  # the timed calls; node's start-up, the loading and the warm-up are in dump 1.
  for v in $VARIANTS; do
    for side in base new; do
      out="$WORK/cg.$side.$v.out"
      rm -f "$out" "$out".*
      CALLS=${CG_CALLS:-100} WARM=10 VARIANT=$v valgrind --tool=callgrind --dump-before=getpriority \
        --callgrind-out-file="$out" node "$WORK/$side.mjs" "$MODEL" >"$out.json" 2>"$out.log"
      [ -f "$out.2" ] && [ ! -f "$out.3" ] || { echo "expected 2 dumps in $out.*" >&2; exit 1; }
      last="$out.2"
      echo "$v $side $(grep -m1 '^summary:' "$last" | cut -d' ' -f2) $(cat "$out.json")"
    done
  done | tee /dev/stderr | node -e '
    const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => {
      const [v, side, ir, ...rest] = l.split(" "); return { v, side, ir: Number(ir), ...JSON.parse(rest.join(" ")) } })
    for (const v of [...new Set(rows.map((r) => r.v))]) {
      const b = rows.find((r) => r.v === v && r.side === "base"), n = rows.find((r) => r.v === v && r.side === "new")
      console.log(JSON.stringify({ variant: v, calls: b.calls, cached: [b.cached, n.cached],
        baseInstrPerCall: Math.round(b.ir / b.calls), newInstrPerCall: Math.round(n.ir / n.calls),
        ratio: +(n.ir / b.ir).toFixed(4), sameChecksum: b.checksum === n.checksum }))
    }'
  exit 0
fi

for v in $VARIANTS; do
  for r in $(seq 1 "$ROUNDS"); do
    # Alternate which side runs first: the machine's speed drifts within a round too.
    if [ $((r % 2)) = 1 ]; then order="base new"; else order="new base"; fi
    for side in $order; do
      echo "$side $(CALLS=$CALLS VARIANT=$v node "$WORK/$side.mjs" "$MODEL")"
    done
  done
done | tee /dev/stderr | node -e '
  const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => {
    const i = l.indexOf(" "); return { side: l.slice(0, i), ...JSON.parse(l.slice(i + 1)) } })
  const med = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2 }
  const byV = {}
  for (const r of rows) (byV[r.variant] ??= []).push(r)
  for (const [v, rs] of Object.entries(byV)) {
    const base = rs.filter((r) => r.side === "base"), neu = rs.filter((r) => r.side === "new")
    const wall = base.map((b, i) => neu[i].wallMsPerCall / b.wallMsPerCall)
    const cpu = base.map((b, i) => neu[i].cpuMsPerCall / b.cpuMsPerCall)
    const same = base.every((b, i) => b.checksum === neu[i].checksum)
    console.log(JSON.stringify({ variant: v, rounds: base.length,
      baseWallMs: +med(base.map((r) => r.wallMsPerCall)).toFixed(3), newWallMs: +med(neu.map((r) => r.wallMsPerCall)).toFixed(3),
      wallRatio: +med(wall).toFixed(4), cpuRatio: +med(cpu).toFixed(4), sameChecksum: same }))
  }'
