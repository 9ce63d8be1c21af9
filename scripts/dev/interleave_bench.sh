#!/usr/bin/env bash
# Development only: alternates PyTorch's and our autodiff timings for one config, ROUNDS times, so that both
# sides see the same machine load. Logs to OUT_DIR/{torch,ours}_<config>_<round>.txt (ours: one JSON per mode).
#   scripts/dev/interleave_bench.sh CONFIG MODEL_ONNX 'SHAPES_JSON' ROUNDS REPEAT OUT_DIR
# CONFIG is a torch_unet_timing.py config name (small-16, small-32, sd15-16, …). Waits while another
# `bench.mjs __case` process runs (two heavy benchmarks at once would spoil both and may run out of memory).
set -euo pipefail
cfg=$1 model=$2 shapes=$3 rounds=$4 repeat=$5 out=$6
mkdir -p "$out"
cd "$(dirname "$0")/../.."
OPENBLAS_DIR=${OPENBLAS_DIR:-/tmp/openblas-deb/root/usr/lib/x86_64-linux-gnu/openblas-openmp}
wait_idle() { while pgrep -f "[b]ench.mjs __case" >/dev/null; do sleep 10; done; }
for r in $(seq 1 "$rounds"); do
  wait_idle
  echo "== round $r torch $(uptime)" | tee -a "$out/log.txt"
  LD_LIBRARY_PATH=$OPENBLAS_DIR OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 scripts/dev/torch_unet_timing.py "$cfg" --repeat "$repeat" \
    > "$out/torch_${cfg}_$r.txt" 2>&1
  grep -A4 "^$cfg:" "$out/torch_${cfg}_$r.txt" | tee -a "$out/log.txt"
  for mode in forward grad-ehs grad-lora; do
    wait_idle
    echo "== round $r ours $mode $(uptime)" | tee -a "$out/log.txt"
    node companion/bin/bench.mjs __case "$model" "$mode" "$repeat" "$shapes" 2>/dev/null | tail -1 | tee -a "$out/ours_${cfg}_$r.txt" "$out/log.txt"
  done
done
