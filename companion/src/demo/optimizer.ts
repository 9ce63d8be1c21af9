// The demo trainer's optimiser state: Adam (Kingma & Ba 2015, Algorithm 1), the learning-rate schedule, global-norm
// gradient clipping and an exponential moving average of the weights (the package ships the average, which samples
// better than the last iterate after a short run; Song & Ermon 2020, "Improved Techniques for Training Score-Based
// Generative Models", §3.5). Adam's update is the one engine/adam.ts implements; it is restated here because a
// resumable run must save and restore the moments m, v and the step t, which that class keeps private.
import { fail } from '../errors.ts';
import type { DemoTrainConfig } from './demo-config.ts';

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

export interface OptimizerState {
  step: number;
  readonly params: Map<string, Float32Array>;
  readonly m: Map<string, Float32Array>;
  readonly v: Map<string, Float32Array>;
  readonly ema: Map<string, Float32Array>;
}

export function initialState(initial: ReadonlyMap<string, { readonly init: Float32Array }>): OptimizerState {
  const copy = () => new Map([...initial].map(([name, p]) => [name, p.init.slice()]));
  const zeros = () => new Map([...initial].map(([name, p]) => [name, new Float32Array(p.init.length)]));
  return { step: 0, params: copy(), m: zeros(), v: zeros(), ema: copy() };
}

/** Linear warm-up to `lr`, then a cosine down to finalLrFraction·lr at the last step. */
export function learningRate(c: DemoTrainConfig, step: number): number {
  if (step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
  const progress = Math.min(1, (step - c.warmupSteps) / Math.max(1, c.steps - c.warmupSteps));
  const floor = c.finalLrFraction;
  return c.lr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export function globalNorm(grads: ReadonlyMap<string, Float32Array>): number {
  let s = 0;
  for (const g of grads.values()) for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  return Math.sqrt(s);
}

/** One update of every parameter; returns the gradient norm before clipping. */
export function optimizerStep(
  state: OptimizerState,
  grads: ReadonlyMap<string, Float32Array>,
  c: DemoTrainConfig,
): number {
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm))
    fail(
      'RUNTIME_FAILED',
      `the gradient norm is ${norm} at step ${state.step}: training diverged; lower the learning rate in demo-config.ts and train again with --fresh`,
    );
  const clip = norm > c.clipNorm ? c.clipNorm / norm : 1;
  const lr = learningRate(c, state.step);
  state.step++;
  const c1 = 1 - BETA1 ** state.step;
  const c2 = 1 - BETA2 ** state.step;
  for (const [name, p] of state.params) {
    const g = grads.get(name) ?? fail('INTERNAL', `optimizer: no gradient for '${name}'`);
    if (g.length !== p.length)
      fail('INTERNAL', `optimizer: the gradient of '${name}' has ${g.length} values, the parameter ${p.length}`);
    const m = state.m.get(name)!;
    const v = state.v.get(name)!;
    const ema = state.ema.get(name)!;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]! * clip;
      const mi = (m[i] = BETA1 * m[i]! + (1 - BETA1) * gi);
      const vi = (v[i] = BETA2 * v[i]! + (1 - BETA2) * gi * gi);
      const pi = (p[i] = p[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + EPS));
      ema[i] = c.emaDecay * ema[i]! + (1 - c.emaDecay) * pi;
    }
  }
  return norm;
}

/**
 * The weight average without its start: the average begins at the initial weights w₀, so after t steps it holds
 * decay^t·w₀ plus (1 − decay^t) of trained weights. Removing the first term and renormalising (the correction Adam
 * applies to its moments) makes early checkpoints usable; after a full run decay^t is ~1e-5 and this changes nothing.
 */
export function debiasedAverage(
  state: OptimizerState,
  initial: ReadonlyMap<string, { readonly init: Float32Array }>,
  decay: number,
): Map<string, Float32Array> {
  const start = decay ** state.step;
  if (start === 1) return new Map([...state.ema].map(([name, v]) => [name, v.slice()]));
  const out = new Map<string, Float32Array>();
  for (const [name, ema] of state.ema) {
    const w0 = initial.get(name)?.init ?? fail('INTERNAL', `no initial value for '${name}'`);
    out.set(
      name,
      Float32Array.from(ema, (v, i) => (v - start * w0[i]!) / (1 - start)),
    );
  }
  return out;
}
