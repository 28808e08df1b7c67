#!/bin/bash
# Data-parallel training on one machine: run_ddp.sh <config.json> <world size> <port>
# Each rank is one process with 1 thread; rank 0 logs and checkpoints.
set -e
cfg=$(realpath "$1")
cd "$(dirname "$0")"
export MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TOP_PAD_=1073741824
export MASTER_ADDR=127.0.0.1 MASTER_PORT=$3 WORLD_SIZE=$2
# The `train` package lives in tools/, this folder's parent.
export PYTHONPATH=..
name=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['name'])" "$cfg")
mkdir -p runs
for ((r = 0; r < $2; r++)); do
  RANK=$r /usr/bin/python3 -m train.train_dit "$cfg" > "runs/$name.rank$r.out" 2>&1 &
done
wait
