// torch.nn leaf modules as a TorchScript export spells them (docs/onnx.md §1.4): Conv2d → Conv; Linear on a 2-D
// input → Gemm(transB=1) with the [out, in] weight; Linear on a 3-D input → MatMul with the weight folded to
// [in, out], then Add(bias); SiLU → Sigmoid·Mul; exact GELU → Div(√2) → Erf → Add(1) → Mul(x) → Mul(0.5).
// Weights start at N(0, 1/fan_in) so activations stay O(1), conv_out included: its output then has the
// O(1) spread of a noise prediction, which keeps finite-difference checks of the loss well above float32
// round-off. Biases are small but non-zero so that every parameter has a non-trivial gradient.
import { floatAttr, intAttr, intsAttr } from '../graph/ir.ts';
import { parameterPath, type ModuleGraph } from './module-graph.ts';

export const BIAS_STD = 0.05;

export interface ConvOptions {
  readonly kernel: number;
  readonly stride?: number;
  /** Name for the output value (the last conv writes the graph output `out_sample`). */
  readonly output?: string;
}

/** nn.Conv2d with `padding = kernel // 2` (3×3 pad 1, 1×1 pad 0), as every SD conv has. */
export function conv2d(g: ModuleGraph, scope: string, x: string, outChannels: number, o: ConvOptions): string {
  const inChannels = g.dims(x)[1]!;
  const k = o.kernel;
  const s = o.stride ?? 1;
  const p = Math.floor(k / 2);
  const std = 1 / Math.sqrt(inChannels * k * k);
  const w = g.weight(parameterPath(scope, 'weight'), [outChannels, inChannels, k, k], { std });
  const b = g.weight(parameterPath(scope, 'bias'), [outChannels], { std: BIAS_STD });
  return g.op(
    scope,
    'Conv',
    [x, w, b],
    {
      dilations: intsAttr([1, 1]),
      group: intAttr(1),
      kernel_shape: intsAttr([k, k]),
      pads: intsAttr([p, p, p, p]),
      strides: intsAttr([s, s]),
    },
    o.output,
  );
}

/** nn.Linear on [B, S, in]: MatMul(x, Wᵀ) (+ Add(bias)); to_q/to_k/to_v have no bias. */
export function linear(g: ModuleGraph, scope: string, x: string, outFeatures: number, hasBias: boolean): string {
  const dims = g.dims(x);
  const inFeatures = dims[dims.length - 1]!;
  const w = g.foldedWeight('MatMul', parameterPath(scope, 'weight'), [inFeatures, outFeatures], {
    std: 1 / Math.sqrt(inFeatures),
  });
  const y = g.op(scope, 'MatMul', [x, w]);
  if (!hasBias) return y;
  return g.op(scope, 'Add', [g.weight(parameterPath(scope, 'bias'), [outFeatures], { std: BIAS_STD }), y]);
}

/** nn.Linear on [B, in]: Gemm(x, W[out, in], b, transB=1). */
export function gemmLinear(g: ModuleGraph, scope: string, x: string, outFeatures: number): string {
  const inFeatures = g.dims(x)[1]!;
  const w = g.weight(parameterPath(scope, 'weight'), [outFeatures, inFeatures], { std: 1 / Math.sqrt(inFeatures) });
  const b = g.weight(parameterPath(scope, 'bias'), [outFeatures], { std: BIAS_STD });
  return g.op(scope, 'Gemm', [x, w, b], { alpha: floatAttr(1), beta: floatAttr(1), transB: intAttr(1) });
}

/** SiLU(x) = x·σ(x). */
export function silu(g: ModuleGraph, scope: string, x: string): string {
  return g.op(scope, 'Mul', [x, g.op(scope, 'Sigmoid', [x])]);
}

/** Exact GELU, as torch's symbolic emits it: x·(erf(x/√2) + 1)·0.5. */
export function gelu(g: ModuleGraph, scope: string, x: string): string {
  const erf = g.op(scope, 'Erf', [g.op(scope, 'Div', [x, g.scalar(Math.SQRT2)])]);
  const plusOne = g.op(scope, 'Add', [erf, g.scalar(1)]);
  return g.op(scope, 'Mul', [g.op(scope, 'Mul', [x, plusOne]), g.scalar(0.5)]);
}
