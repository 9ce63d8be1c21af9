// Gradients of reductions and softmax (docs/onnx.md §2.3; SoftmaxGrad_13's function body, in standard ops).
import { attrInt } from '../../graph/ir.ts';
import { normAxis } from '../../graph/broadcast.ts';
import { numel } from '../../graph/tensor.ts';
import { axesOf } from '../../graph/shape-rules.ts';
import { shapeContext } from '../../graph/shape-context.ts';
import type { GradContext, GradientRule } from '../rule.ts';

function reducedAxes(c: GradContext): number[] {
  const xd = c.dims(c.x(0));
  const axes = axesOf(c.node, shapeContext(c.e.graph, c.node, c.e.opset));
  if (!axes || axes.length === 0) return attrInt(c.node, 'noop_with_empty_axes', 0) === 1 ? [] : xd.map((_, i) => i);
  return axes.map((a) => normAxis(a, xd.length));
}

/** Puts dy back in keepdims form and broadcasts it over the reduced axes. */
function spread(dy: string, c: GradContext, factor: number): string {
  const xd = c.dims(c.x(0));
  const axes = new Set(reducedAxes(c));
  const kept = xd.map((d, i) => (axes.has(i) ? 1 : d));
  return c.e.expand(c.e.reshape(c.e.scale(dy, factor), kept), xd);
}

export const reduceSum: GradientRule = ([dy], c) => (dy && c.needs(0) ? [spread(dy, c, 1)] : []);

export const reduceMean: GradientRule = ([dy], c) => {
  if (!dy || !c.needs(0)) return [];
  const xd = c.dims(c.x(0));
  const count = numel(reducedAxes(c).map((a) => xd[a]!));
  return [spread(dy, c, 1 / count)];
};

/** Softmax normalises over one axis from opset 13, over the flattened axes [axis, rank) before. */
function softmaxAxes(c: GradContext): number[] {
  const rank = c.dims(c.x(0)).length;
  const axis = normAxis(attrInt(c.node, 'axis', c.e.opset >= 13 ? -1 : 1), rank);
  return c.e.opset >= 13 ? [axis] : Array.from({ length: rank - axis }, (_, i) => axis + i);
}

/**
 * Σ_j y⊙dy over the softmax axis, from attention's output when y's one consumer is O = y·V over that axis: then
 * dy = dO·Vᵀ and Σ_j y_ij·(dO_i·V_j) = dO_i·O_i, a row sum over [.., HW, d] instead of [.., HW, HW] (FlashAttention's
 * backward uses the same identity). Null when the pattern does not hold.
 */
function attentionRowSum(c: GradContext, axes: readonly number[]): string | null {
  const e = c.e;
  const y = c.y(0);
  const rank = c.dims(y).length;
  if (axes.length !== 1 || axes[0] !== rank - 1) return null;
  const consumers = c.consumers(c.node.outputs[0]!);
  const mm = consumers[0];
  const p = c.node.outputs[0]!;
  if (consumers.length !== 1 || mm!.opType !== 'MatMul' || mm!.inputs[0] !== p || mm!.inputs[1] === p) return null;
  const out = mm!.outputs[0]!;
  const dOut = c.gradOf(out);
  if (!dOut || c.dims(out).length !== rank) return null;
  return e.reduceSum(e.mul(dOut, out), [rank - 1]);
}

/** dx = y ⊙ (dy − Σ y⊙dy). */
export const softmax: GradientRule = ([dy], c) => {
  if (!dy || !c.needs(0)) return [];
  const e = c.e;
  const y = c.y(0);
  const axes = softmaxAxes(c);
  const rowSum = attentionRowSum(c, axes) ?? e.reduceSum(e.mul(y, dy), axes);
  return [e.mul(y, e.sub(dy, rowSum))];
};

/** dx = dy − softmax(x) · Σ dy. */
export const logSoftmax: GradientRule = ([dy], c) => {
  if (!dy || !c.needs(0)) return [];
  const e = c.e;
  return [e.sub(dy, e.mul(e.op1('Exp', [c.y(0)]), e.reduceSum(dy, softmaxAxes(c))))];
};
