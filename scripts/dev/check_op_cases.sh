#!/usr/bin/env bash
# Development only: writes the op-coverage cases (make_op_cases.py) and, for each, checks the PyTorch reference's
# forward values against onnxruntime, its gradients against finite differences, and imagic's gradients against it.
#   scripts/dev/check_op_cases.sh [OUT_DIR=/tmp/op_cases] [--isolated (one op per model)]
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY=/usr/bin/python3
DIR="$(realpath -m "${1:-/tmp/op_cases}")"
cd "$ROOT"
$PY scripts/dev/make_op_cases.py "$DIR" ${2:-} >/dev/null
for c in "$DIR"/*/; do
  c="${c%/}"
  echo "######## $(basename "$c")"
  $PY scripts/dev/torch_reference.py --spec "$c/spec.json" --out "$c/ref" --fd-check --debug-model "$c/model.debug.onnx" | grep -v '^debug'
  npx tsx scripts/dev/ort_forward.mts "$c/spec.json" "$c/ortfw" "$c/model.debug.onnx" 2>&1 >/dev/null | grep -v 'npm warn'
  $PY scripts/dev/torch_reference.py --spec "$c/spec.json" --out "$c/ref" --compare-ort "$c/ortfw" | grep -v '^loss'
  rm -rf "$c/ortfw" "$c/model.debug.onnx" "$c/out"
  if node companion/bin/imagic.mjs grad --spec "$c/spec.json" --out "$c/out" >/dev/null 2>"$c/imagic.err"; then
    $PY scripts/dev/compare_grads.py "$c/out" "$c/ref"
  else
    echo "imagic grad failed: $(grep -v 'npm warn' "$c/imagic.err" | tail -1)"
  fi
done
