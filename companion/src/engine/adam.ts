// Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1), in fp32 over named
// parameter tensors, updating them in place. Per element, at step t (1-based):
//   m_t = β1·m_{t−1} + (1 − β1)·g_t                    (biased first moment)
//   v_t = β2·v_{t−1} + (1 − β2)·g_t²                   (biased second raw moment)
//   m̂_t = m_t/(1 − β1^t),  v̂_t = v_t/(1 − β2^t)       (bias correction)
//   θ_t = θ_{t−1} − α·m̂_t/(sqrt(v̂_t) + ε)
// The defaults are the paper's (and torch.optim.Adam's), which the Imagic implementations use.
import { fail } from '../errors.ts';

export interface AdamOptions {
  /** α, the step size (learning rate). */
  readonly lr: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
}

export class Adam {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private t = 0;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();

  constructor(
    private readonly params: ReadonlyMap<string, Float32Array>,
    options: AdamOptions,
  ) {
    this.lr = options.lr;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    if (!(this.lr > 0)) throw new RangeError(`Adam: lr must be > 0, got ${this.lr}`);
    if (!(this.beta1 >= 0 && this.beta1 < 1 && this.beta2 >= 0 && this.beta2 < 1)) throw new RangeError('Adam: betas must be in [0, 1)');
    for (const [name, p] of params) {
      this.m.set(name, new Float32Array(p.length));
      this.v.set(name, new Float32Array(p.length));
    }
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.t;
  }

  /**
   * One update of every parameter from its gradient (a missing gradient is an error, never a silent skip); `lr`
   * overrides α for this step (a learning-rate schedule, lr-schedule.ts).
   */
  step(grads: ReadonlyMap<string, Float32Array>, lr = this.lr): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (const [name, p] of this.params) {
      const g = grads.get(name) ?? fail('INTERNAL', `Adam: no gradient for '${name}'`);
      if (g.length !== p.length) fail('DIMS_MISMATCH', `Adam: gradient of '${name}' has ${g.length} values, the parameter ${p.length}`);
      const m = this.m.get(name)!;
      const v = this.v.get(name)!;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]!;
        const mi = (m[i] = this.beta1 * m[i]! + (1 - this.beta1) * gi);
        const vi = (v[i] = this.beta2 * v[i]! + (1 - this.beta2) * gi * gi);
        p[i] = p[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + this.eps);
      }
    }
  }
}
