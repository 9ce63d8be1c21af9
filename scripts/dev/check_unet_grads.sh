#!/usr/bin/env bash
# Development only: builds an SD-style UNet case, runs `imagic grad` and the PyTorch float64 reference, checks the
# reference's forward pass against onnxruntime tensor by tensor, and compares gradients (exit 1 on any rel err > 1e-3).
#   scripts/dev/check_unet_grads.sh OUT_DIR [make_unet_case.mts flags: --config tiny|mid --opset 14|17 --dynamic …]
# With OUT_DIR containing a spec.json already and no flags, the case is reused.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PY=/usr/bin/python3
DIR="$(realpath -m "$1")"; shift
cd "$ROOT"
if [[ $# -gt 0 || ! -f "$DIR/spec.json" ]]; then
  npx tsx scripts/dev/make_unet_case.mts "$DIR" "$@" 2> >(grep -v 'npm warn' >&2)
fi
echo "== imagic grad"
/usr/bin/time -f 'imagic grad: %e s, %M KB max RSS' node companion/bin/imagic.mjs grad --spec "$DIR/spec.json" --out "$DIR/out"
echo "== torch reference (float64)"
$PY scripts/dev/torch_reference.py --spec "$DIR/spec.json" --out "$DIR/ref" --debug-model "$DIR/model.debug.onnx"
echo "== reference forward vs onnxruntime (every intermediate tensor)"
npx tsx scripts/dev/ort_forward.mts "$DIR/spec.json" "$DIR/ortfw" "$DIR/model.debug.onnx" 2> >(grep -v 'npm warn' >&2)
$PY scripts/dev/torch_reference.py --spec "$DIR/spec.json" --out "$DIR/ref" --compare-ort "$DIR/ortfw" | grep -v '^loss'
rm -rf "$DIR/ortfw" "$DIR/model.debug.onnx"
echo "== gradients: imagic vs reference"
$PY scripts/dev/compare_grads.py "$DIR/out" "$DIR/ref" --json "$DIR/compare.json"
