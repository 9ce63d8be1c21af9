// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic
// Models", Algorithm 2), as diffusers' DPMSolverMultistepScheduler with algorithm_type "dpmsolver++",
// solver_order 2, solver_type "midpoint", lower_order_final true and final_sigmas_type "zero".
// It integrates the data-prediction form of the probability-flow ODE in λ = log(α_t/σ_t), reusing the previous
// step's x0 prediction for a second-order correction. Notation (variable -> paper):
//   s1, s0, t        the noise levels t_{i−2}, t_{i−1}, t_i; each has
//     .alpha .sigma    α = sqrt(ᾱ), σ = sqrt(1 − ᾱ) (VP form: the sample is x_t itself, so init sigma is 1)
//     .lambda          λ = log α − log σ (half the log-SNR)
//   x0, previous     x_θ(x̃_{t_{i−1}}, t_{i−1}) and x_θ(x̃_{t_{i−2}}, t_{i−2}), the data predictions
//   h, r             h_i = λ_{t_i} − λ_{t_{i−1}},  r_i = h_{i−1}/h_i
//   d0, d1           D_0 = x_θ(t_{i−1}),  D_1 = (x_θ(t_{i−1}) − x_θ(t_{i−2}))/r_i
//   result           x̃_{t_i} = (σ_{t_i}/σ_{t_{i−1}})·x̃_{t_{i−1}} − α_{t_i}(e^{−h_i} − 1)·(D_0 + D_1/2)
// With D_1 = 0 the update is DPM-Solver++(1), which equals DDIM (η = 0).
// With `karras` (diffusers' use_karras_sigmas, "DPM++ 2M Karras"), the noise levels are Karras et al. 2022's (eq. 5):
//   σ_i = (σ_max^{1/ρ} + i/(n−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ,  ρ = 7,
// between the schedule's largest and smallest σ, which spends more of the steps at low noise; the model is called
// at the (fractional) timestep of σ_i, found by log-σ interpolation as diffusers does, and the update uses σ_i.
import { applyLinearStep, type LinearStep } from './linear-step.ts';
import { alphaBarFromSigma, combine, NoiseSchedule } from './noise-schedule.ts';
import type { Scheduler } from './scheduler.ts';
import type { SchedulerConfig, TimestepSpacing } from './scheduler-config.ts';
import {
  checkNumSteps,
  checkStepIndex,
  checkTimestepRange,
  interpolate,
  linspace,
  roundHalfEven,
  trailingTimesteps,
} from './timestep-spacing.ts';

/** Below this many steps diffusers' `lower_order_final` drops the last steps to lower order for stability. */
const LOWER_ORDER_FINAL_BELOW_STEPS = 15;

interface NoiseLevel {
  readonly alpha: number;
  readonly sigma: number;
  readonly lambda: number;
}

/** Karras et al. 2022's ρ (eq. 5), diffusers' and the paper's choice. */
const KARRAS_RHO = 7;

export interface DpmSolverOptions {
  /** Karras et al.'s noise levels instead of the timestep spacing's (diffusers' use_karras_sigmas). */
  readonly karras?: boolean;
}

export class DpmSolverPp2mScheduler implements Scheduler {
  readonly initNoiseSigma = 1;
  private readonly schedule: NoiseSchedule;
  private readonly config: SchedulerConfig;
  private readonly spacing: TimestepSpacing;
  private readonly karras: boolean;
  private steps: readonly number[] = [];
  /** VE noise levels σ = sqrt((1 − ᾱ)/ᾱ) of the inference timesteps, then 0 (the clean sample). */
  private sigmas = new Float64Array(0);
  // Multistep state, reset by setTimesteps.
  private previousX0: Float32Array | undefined;
  private nextStepIndex: number | undefined;

  constructor(config: SchedulerConfig, options: DpmSolverOptions = {}) {
    this.config = config;
    this.spacing = config.timestepSpacing;
    this.schedule = new NoiseSchedule(config);
    this.karras = options.karras ?? false;
  }

  get timesteps(): readonly number[] {
    return this.steps;
  }

  setTimesteps(numInferenceSteps: number): void {
    const T = this.config.numTrainTimesteps;
    const n = numInferenceSteps;
    checkNumSteps(n, T, 'DPM-Solver++');
    if (this.karras) {
      const levels = karrasSigmas(this.schedule.sigmas[0]!, this.schedule.sigmas[T - 1]!, n);
      const logSigmas = this.schedule.sigmas.map(Math.log);
      // Fractional, not rounded as diffusers does: a float-timestep UNet is then conditioned on the very σ the sample
      // is at (an int64 one rounds when fed, tensors.ts), and the levels crowding near σ_min stay distinct timesteps.
      this.steps = Array.from(levels, (sigma) => timestepOfSigma(sigma, logSigmas));
      this.sigmas = Float64Array.from([...levels, 0]);
      this.previousX0 = undefined;
      this.nextStepIndex = undefined;
      return;
    }
    // diffusers spaces n + 1 points and drops the last (t = 0) for "linspace" and "leading".
    const steps = {
      linspace: () =>
        linspace(0, T - 1, n + 1)
          .map(roundHalfEven)
          .reverse()
          .slice(0, n),
      leading: () => {
        const ratio = Math.floor(T / (n + 1));
        return Array.from({ length: n }, (_, i) => (n - i) * ratio + this.config.stepsOffset);
      },
      trailing: () => trailingTimesteps(T, n),
    }[this.spacing]();
    checkTimestepRange(steps, T, 'DPM-Solver++');
    this.steps = steps;
    this.sigmas = Float64Array.from([...steps.map((t) => interpolate(this.schedule.sigmas, t)), 0]);
    this.previousX0 = undefined;
    this.nextStepIndex = undefined;
  }

  noisedSample(x0: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(this.steps, stepIndex, 'DPM-Solver++');
    // The variance-preserving x_t at the level's σ (fractional timesteps have no ᾱ of their own in the table).
    const { alpha, sigma } = this.level(stepIndex);
    return combine(x0, alpha, noise, sigma);
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(this.steps, stepIndex, 'DPM-Solver++');
    return sample;
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    checkStepIndex(this.steps, stepIndex, 'DPM-Solver++');
    // The first step may be anywhere (img2img starts mid-schedule); after that the history must be contiguous.
    if (this.nextStepIndex !== undefined && stepIndex !== this.nextStepIndex) {
      throw new RangeError(
        `DPM-Solver++: step ${stepIndex} after step ${this.nextStepIndex - 1}; steps must run in order, call setTimesteps to restart`,
      );
    }
    const { x0, next } = applyLinearStep(
      this.linearStep(stepIndex, this.previousX0 === undefined),
      sample,
      modelOutput,
      this.previousX0,
    );
    this.previousX0 = x0;
    this.nextStepIndex = stepIndex + 1;
    return next;
  }

  linearStep(stepIndex: number, first: boolean): LinearStep {
    checkStepIndex(this.steps, stepIndex, 'DPM-Solver++');
    const n = this.steps.length;
    const s0 = this.level(stepIndex);
    const t = this.level(stepIndex + 1);
    // 1. The data prediction x_θ = (x_t − σ·ε_θ)/α (or from v) at the current level (noise-schedule.ts, predictX0).
    const x0 =
      this.config.predictionType === 'epsilon'
        ? { sample: 1 / s0.alpha, output: -s0.sigma / s0.alpha }
        : { sample: s0.alpha, output: -s0.sigma };
    // 2. Order: first order on the first step and on the last step (the final σ is 0, where λ is infinite;
    //    lower_order_final would also ask for it below 15 steps); second order otherwise.
    const isLast = stepIndex === n - 1;
    const lowerOrderFinal = isLast && (n < LOWER_ORDER_FINAL_BELOW_STEPS || t.sigma === 0);
    const useSecondOrder = !first && stepIndex > 0 && !lowerOrderFinal;
    // 3. The update. As σ_t → 0: λ_t → ∞, e^{−h} → 0, so the first-order step returns x0 (α_t = 1).
    const h = t.lambda - s0.lambda;
    const sampleCoeff = t.sigma === 0 ? 0 : t.sigma / s0.sigma;
    const x0Coeff = -t.alpha * (Math.exp(-h) - 1);
    if (!useSecondOrder) return { input: 1, x0, next: { sample: sampleCoeff, output: 0, x0: x0Coeff, previous: 0 } };
    // D_0 + D_1/2 with D_1 = (x0 − x0_prev)/r: x0·(1 + 1/(2r)) − x0_prev/(2r).
    const r = (s0.lambda - this.level(stepIndex - 1).lambda) / h;
    return {
      input: 1,
      x0,
      next: { sample: sampleCoeff, output: 0, x0: x0Coeff * (1 + 0.5 / r), previous: (-x0Coeff * 0.5) / r },
    };
  }

  /** α, σ and λ at the i-th noise level (i = n is the clean end, σ = 0, λ = +∞). */
  private level(i: number): NoiseLevel {
    const veSigma = this.sigmas[i]!;
    const alpha = Math.sqrt(alphaBarFromSigma(veSigma));
    const sigma = veSigma * alpha;
    return { alpha, sigma, lambda: Math.log(alpha) - Math.log(sigma) };
  }
}

/** Karras et al. 2022's n noise levels from σ_max down to σ_min (eq. 5), evenly spaced in σ^{1/ρ}. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number, rho = KARRAS_RHO): Float64Array {
  const [lo, hi] = [sigmaMin ** (1 / rho), sigmaMax ** (1 / rho)];
  return Float64Array.from({ length: n }, (_, i) => (hi + (n === 1 ? 0 : i / (n - 1)) * (lo - hi)) ** rho);
}

/**
 * The (fractional) timestep whose σ is `sigma`: linear interpolation of log σ between the two training timesteps around
 * it, clamped to the schedule's ends (diffusers' `_sigma_to_t`). `logSigmas` ascends with t.
 */
export function timestepOfSigma(sigma: number, logSigmas: Float64Array): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  // The last timestep whose log σ is at or below this one, at most the second to last (there is always a `high`).
  let low = 0;
  for (let t = 0; t < logSigmas.length - 1; t++) if (logSigmas[t]! <= logSigma) low = t;
  const [a, b] = [logSigmas[low]!, logSigmas[low + 1]!];
  const w = Math.min(1, Math.max(0, (a - logSigma) / (a - b)));
  return (1 - w) * low + w * (low + 1);
}
