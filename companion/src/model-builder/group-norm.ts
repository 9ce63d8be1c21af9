// nn.GroupNorm as torch's symbolic_opset9.group_norm exports it (docs/onnx.md §1.4; the pattern onnxruntime's
// fusion_group_norm.py matches): Reshape [0, G, -1] → InstanceNormalization(scale = 1, B = 0) → Reshape back to
// Shape(x) → Mul(γ[C,1,1]) → Add(β[C,1,1]). γ and β are the parameters, reshaped and folded at export.
import { floatAttr } from '../graph/ir.ts';
import { parameterPath, type ModuleGraph } from './module-graph.ts';

/** Spread of the affine parameters around γ = 1, β = 0: enough for their gradients to be non-trivial. */
export const NORM_AFFINE_STD = 0.05;

export function groupNorm(g: ModuleGraph, scope: string, x: string, groups: number, eps: number): string {
  const xDims = g.dims(x);
  const channels = xDims[1]!;
  const grouped = g.op(scope, 'Reshape', [x, g.ints([0, groups, -1])]);
  const ones = g.constant([groups], new Array<number>(groups).fill(1));
  const zeros = g.constant([groups], new Array<number>(groups).fill(0));
  const normed = g.op(scope, 'InstanceNormalization', [grouped, ones, zeros], { epsilon: floatAttr(eps) });
  const back = g.reshape(scope, normed, xDims, () => g.shape(scope, x));
  const affine = [channels, 1, 1];
  const gamma = g.foldedWeight('Mul', parameterPath(scope, 'weight'), affine, { mean: 1, std: NORM_AFFINE_STD });
  const beta = g.foldedWeight('Add', parameterPath(scope, 'bias'), affine, { std: NORM_AFFINE_STD });
  return g.op(scope, 'Add', [g.op(scope, 'Mul', [back, gamma]), beta]);
}
