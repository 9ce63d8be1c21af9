// Gradients of elementwise ops (docs/onnx.md §2.3). Broadcast operands get their gradient summed back to their
// own shape (GraphEmitter.unbroadcast, ORT's HandleBroadcasting with static axes).
import { toNumbers } from '../../graph/tensor.ts';
import type { GradContext, GradientRule } from '../rule.ts';

const only =
  (f: (dy: string, c: GradContext) => string): GradientRule =>
  (dy, c) => [dy[0] ? f(dy[0], c) : null];
const unb = (c: GradContext, g: string, i: number) => c.e.unbroadcast(g, c.dims(c.x(i)));
const one = (c: GradContext, name: string) => c.e.scalar(1, c.e.type(name).dtype);

export const add: GradientRule = ([dy], c) =>
  dy ? [c.needs(0) ? unb(c, dy, 0) : null, c.needs(1) ? unb(c, dy, 1) : null] : [];

export const sub: GradientRule = ([dy], c) =>
  dy ? [c.needs(0) ? unb(c, dy, 0) : null, c.needs(1) ? unb(c, c.e.neg(dy), 1) : null] : [];

export const mul: GradientRule = ([dy], c) =>
  dy ? [c.needs(0) ? unb(c, c.e.mul(dy, c.x(1)), 0) : null, c.needs(1) ? unb(c, c.e.mul(dy, c.x(0)), 1) : null] : [];

/** d(a/b) = dy/b, −dy·(a/b)/b. */
export const div: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const e = c.e;
  return [
    c.needs(0) ? unb(c, e.div(dy, c.x(1)), 0) : null,
    c.needs(1) ? unb(c, e.neg(e.mul(dy, e.div(c.y(0), c.x(1)))), 1) : null,
  ];
};

/** d(x^p) = dy·p·x^(p−1); dp = dy·y·ln x (only when the exponent itself is trainable). */
export const pow: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const e = c.e;
  const dtype = e.type(c.x(0)).dtype;
  let dx: string | null = null;
  if (c.needs(0)) {
    const p = c.constant(1);
    const pv = p && p.data.length === 1 ? toNumbers(p)[0]! : undefined;
    if (pv === 2) dx = e.mul(dy, e.scale(c.x(0), 2));
    else if (pv !== undefined)
      dx = e.mul(dy, e.scale(e.op1('Pow', [c.x(0), e.scalar(pv - 1, e.type(c.x(1)).dtype)]), pv));
    else {
      const pm1 = e.sub(e.cast(c.x(1), dtype), e.scalar(1, dtype));
      dx = e.mul(dy, e.mul(e.cast(c.x(1), dtype), e.op1('Pow', [c.x(0), pm1])));
    }
    dx = unb(c, dx, 0);
  }
  const dp = c.needs(1) ? unb(c, e.mul(dy, e.mul(c.y(0), e.op1('Log', [c.x(0)]))), 1) : null;
  return [dx, dp];
};

export const sqrt = only((dy, c) => c.e.scale(c.e.div(dy, c.y(0)), 0.5));

/** d erf(x) = 2/√π · exp(−x²). */
export const erf = only((dy, c) => {
  const x = c.x(0);
  return c.e.mul(dy, c.e.scale(c.e.op1('Exp', [c.e.neg(c.e.mul(x, x))]), 2 / Math.sqrt(Math.PI)));
});

export const sigmoid = only((dy, c) => c.e.mul(dy, c.e.mul(c.y(0), c.e.sub(one(c, c.y(0)), c.y(0)))));
export const tanh = only((dy, c) => c.e.mul(dy, c.e.sub(one(c, c.y(0)), c.e.mul(c.y(0), c.y(0)))));
export const exp = only((dy, c) => c.e.mul(dy, c.y(0)));
export const log = only((dy, c) => c.e.div(dy, c.x(0)));
export const neg = only((dy, c) => c.e.neg(dy));
export const sin = only((dy, c) => c.e.mul(dy, c.e.op1('Cos', [c.x(0)])));
export const cos = only((dy, c) => c.e.neg(c.e.mul(dy, c.e.op1('Sin', [c.x(0)]))));
export const reciprocal = only((dy, c) => c.e.neg(c.e.mul(dy, c.e.mul(c.y(0), c.y(0)))));
export const abs = only((dy, c) => c.e.mul(dy, c.e.op1('Sign', [c.x(0)])));
export const identity = only((dy) => dy);

export const relu = only((dy, c) => {
  const x = c.x(0);
  const zero = c.e.scalar(0, c.e.type(x).dtype);
  return c.e.op1('Where', [c.e.op1('Greater', [x, zero]), dy, zero]);
});

/** Cast back to the source type (ORT's GetCastGradient): how fp16 graphs hand fp32 gradients to fp32 inputs. */
export const cast = only((dy, c) => c.e.cast(dy, c.e.type(c.x(0)).dtype));

export const sum: GradientRule = ([dy], c) =>
  dy ? c.node.inputs.map((_, i) => (c.needs(i) ? unb(c, dy, i) : null)) : [];

export const where: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const zero = c.e.scalar(0, c.e.type(dy).dtype);
  return [
    null,
    c.needs(1) ? unb(c, c.e.op1('Where', [c.x(0), dy, zero]), 1) : null,
    c.needs(2) ? unb(c, c.e.op1('Where', [c.x(0), zero, dy]), 2) : null,
  ];
};
