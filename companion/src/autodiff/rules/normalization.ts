// Normalisation gradients in closed form (docs/onnx.md §2.3; ORT has no builder for InstanceNorm/GroupNorm):
// with x̂ = (x − μ)·r, r = 1/√(σ² + ε) and g = dy·γ, over the normalised axes
//   dx = r · (g − mean(g) − x̂ · mean(g · x̂)),   dγ = Σ dy · x̂,   dβ = Σ dy.
import { attrFloat, attrInt } from '../../graph/ir.ts';
import { normAxis } from '../../graph/broadcast.ts';
import { toNumbers } from '../../graph/tensor.ts';
import type { GraphEmitter } from '../../graph/emitter.ts';
import type { GradContext, GradientRule } from '../rule.ts';

interface Normalised {
  xhat: string;
  rstd: string;
}

/** Recomputes x̂ and r from x (cheaper in memory than keeping them as extra forward outputs). */
function normalise(e: GraphEmitter, x: string, axes: readonly number[], eps: number): Normalised {
  const dtype = e.type(x).dtype;
  const xc = e.sub(x, e.reduceMean(x, axes));
  const variance = e.reduceMean(e.mul(xc, xc), axes);
  const rstd = e.div(e.scalar(1, dtype), e.op1('Sqrt', [e.add(variance, e.scalar(eps, dtype))]));
  return { xhat: e.mul(xc, rstd), rstd };
}

function inputGrad(e: GraphEmitter, g: string, n: Normalised, axes: readonly number[]): string {
  const centred = e.sub(g, e.reduceMean(g, axes));
  return e.mul(n.rstd, e.sub(centred, e.mul(n.xhat, e.reduceMean(e.mul(g, n.xhat), axes))));
}

const isAllOnes = (c: GradContext, i: number) => {
  const t = c.constant(i);
  return t !== undefined && toNumbers(t).every((v) => v === 1);
};

/** InstanceNormalization(x, scale[C], B[C]): statistics per (n, c) over the spatial axes. */
export const instanceNorm: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const e = c.e;
  const xd = c.dims(c.x(0));
  const axes = xd.slice(2).map((_, i) => i + 2);
  const perChannel = xd.map((d, i) => (i === 1 ? d : 1));
  const n = normalise(e, c.x(0), axes, attrFloat(c.node, 'epsilon', 1e-5));
  // SD exports pass scale = 1 (the real γ follows as a Mul), so g = dy and one Mul is saved.
  const g = isAllOnes(c, 1) ? dy : e.mul(dy, e.reshape(c.x(1), perChannel));
  return [
    c.needs(0) ? inputGrad(e, g, n, axes) : null,
    c.needs(1) ? e.reduceSum(e.mul(dy, n.xhat), [0, ...axes], false) : null,
    c.needs(2) ? e.reduceSum(dy, [0, ...axes], false) : null,
  ];
};

/** LayerNormalization (opset 17): normalised over axes [axis, rank). */
export const layerNorm: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const e = c.e;
  const xd = c.dims(c.x(0));
  const axis = normAxis(attrInt(c.node, 'axis', -1), xd.length);
  const axes = xd.slice(axis).map((_, i) => i + axis);
  const lead = xd.slice(0, axis).map((_, i) => i);
  const n = normalise(e, c.x(0), axes, attrFloat(c.node, 'epsilon', 1e-5));
  const g = e.mul(dy, c.x(1));
  const param = (t: string, i: number) => e.unbroadcast(e.reduceSum(t, lead, false), c.dims(c.x(i)));
  return [
    c.needs(0) ? inputGrad(e, g, n, axes) : null,
    c.needs(1) ? param(e.mul(dy, n.xhat), 1) : null,
    c.node.inputs[2] && c.needs(2) ? param(dy, 2) : null,
  ];
};

/**
 * GroupNormalization (18/21): x viewed as [N, G, C/G·spatial], normalised over the last axis. Opset 18 gives
 * scale/bias per group [G], opset 21 per channel [C]; both are expanded to per-channel for the affine part.
 */
export const groupNorm: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const e = c.e;
  const xd = c.dims(c.x(0));
  const groups = attrInt(c.node, 'num_groups', 1);
  const channels = xd[1]!;
  const spatialOnes = xd.slice(2).map(() => 1);
  const grouped = [xd[0]!, groups, -1];
  const perGroup = c.dims(c.x(1))[0] === groups && groups !== channels;
  const toChannels = (t: string) =>
    perGroup ? e.reshape(e.expand(e.reshape(t, [groups, 1]), [groups, channels / groups]), [channels]) : t;
  const fromChannels = (t: string) =>
    perGroup ? e.reduceSum(e.reshape(t, [groups, channels / groups]), [1], false) : t;
  const gammaC = e.reshape(toChannels(c.x(1)), [1, channels, ...spatialOnes]);
  const xg = e.reshape(c.x(0), grouped);
  const n = normalise(e, xg, [2], attrFloat(c.node, 'epsilon', 1e-5));
  const g = e.reshape(e.mul(dy, gammaC), grouped);
  const xhat = e.reshape(n.xhat, xd);
  const axes = [0, ...xd.slice(2).map((_, i) => i + 2)];
  return [
    c.needs(0) ? e.reshape(inputGrad(e, g, n, [2]), xd) : null,
    c.needs(1) ? fromChannels(e.reduceSum(e.mul(dy, xhat), axes, false)) : null,
    c.needs(2) ? fromChannels(e.reduceSum(dy, axes, false)) : null,
  ];
};
