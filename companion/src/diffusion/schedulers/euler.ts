// Euler's method on the probability-flow ODE in Karras et al. 2022's parametrisation ("Elucidating the Design Space
// of Diffusion-Based Generative Models", Algorithm 1 without its second-order correction), as diffusers'
// EulerDiscreteScheduler.
// Notation (variable -> paper):
//   sample      x at noise level σ, where x = x_t/sqrt(ᾱ_t) = x0 + σ·ε (the "VE" form, σ(t) = t in the paper)
//   sigma       σ_i = sqrt((1 − ᾱ_t)/ᾱ_t) at the i-th inference timestep, linearly interpolated in t
//   predX0      D_θ(x; σ), the denoised estimate
//   derivative  d_i = (x − D_θ(x; σ_i))/σ_i, the ODE of eq. 1 with the score of eq. 3; Algorithm 1 line 4
//   result      x_{i+1} = x_i + (σ_{i+1} − σ_i)·d_i, Algorithm 1 line 5; the last σ is 0
// The model was trained on x_t = x/sqrt(σ² + 1), so `scaleModelInput` divides by sqrt(σ² + 1) (c_in of Table 1).
// Stochastic churn (s_churn, Algorithm 2) is diffusers' default 0 here, so the sampler is deterministic.
import { applyLinearStep, type LinearStep } from './linear-step.ts';
import { combine, NoiseSchedule } from './noise-schedule.ts';
import type { Scheduler } from './scheduler.ts';
import type { SchedulerConfig, TimestepSpacing } from './scheduler-config.ts';
import {
  checkNumSteps,
  checkStepIndex,
  checkTimestepRange,
  interpolate,
  leadingTimesteps,
  linspace,
  trailingTimesteps,
} from './timestep-spacing.ts';

export class EulerScheduler implements Scheduler {
  private readonly schedule: NoiseSchedule;
  private readonly config: SchedulerConfig;
  private readonly spacing: TimestepSpacing;
  private steps: readonly number[] = [];
  /** σ_0 … σ_{n−1}, then 0. Before `setTimesteps`, the train sigmas (for `initNoiseSigma` only). */
  private sigmas: Float64Array;

  constructor(config: SchedulerConfig) {
    this.config = config;
    this.spacing = config.timestepSpacing;
    this.schedule = new NoiseSchedule(config);
    this.sigmas = this.schedule.sigmas;
  }

  get timesteps(): readonly number[] {
    return this.steps;
  }

  /**
   * diffusers: σ_max for "linspace" and "trailing", sqrt(σ_max² + 1) for "leading". Either way the first model
   * input, x/sqrt(σ_0² + 1), has (about) unit variance.
   */
  get initNoiseSigma(): number {
    const maxSigma = this.sigmas.reduce((m, s) => Math.max(m, s), 0);
    return this.spacing === 'leading' ? Math.sqrt(maxSigma * maxSigma + 1) : maxSigma;
  }

  setTimesteps(numInferenceSteps: number): void {
    const T = this.config.numTrainTimesteps;
    checkNumSteps(numInferenceSteps, T, 'Euler');
    // diffusers builds these as float32; "linspace" timesteps are fractional (e.g. 978.6122) and reach the model so.
    const n = numInferenceSteps;
    const steps = {
      linspace: () => linspace(0, T - 1, n).reverse(),
      leading: () => leadingTimesteps(T, n, this.config.stepsOffset),
      trailing: () => trailingTimesteps(T, n),
    }[this.spacing]();
    checkTimestepRange(steps, T, 'Euler');
    this.steps = steps.map((t) => Math.fround(t));
    this.sigmas = Float64Array.from([...this.steps.map((t) => interpolate(this.schedule.sigmas, t)), 0]);
  }

  /** The VE variable x = x0 + σ·ε at the step's σ. */
  noisedSample(x0: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(this.steps, stepIndex, 'Euler');
    return combine(x0, 1, noise, this.sigmas[stepIndex]!);
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    const scale = this.linearStep(stepIndex).input;
    return sample.map((x) => x * scale);
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array): Float32Array {
    return applyLinearStep(this.linearStep(stepIndex), sample, modelOutput).next;
  }

  linearStep(stepIndex: number): LinearStep {
    checkStepIndex(this.steps, stepIndex, 'Euler');
    const sigma = this.sigmas[stepIndex]!;
    const dt = this.sigmas[stepIndex + 1]! - sigma;
    // c_in = 1/sqrt(σ² + 1). D_θ(x; σ) = x − σ·ε̂ for ε; for v, D = x/(σ² + 1) − v·σ/sqrt(σ² + 1), i.e.
    // sqrt(ᾱ)·x_t − sqrt(1 − ᾱ)·v in the VE variable.
    const c = sigma * sigma + 1;
    const x0 =
      this.config.predictionType === 'epsilon'
        ? { sample: 1, output: -sigma }
        : { sample: 1 / c, output: -sigma / Math.sqrt(c) };
    // x_{i+1} = x + (σ_{i+1} − σ_i)·(x − D)/σ_i = (1 + dt/σ)·x − (dt/σ)·D.
    return { input: 1 / Math.sqrt(c), x0, next: { sample: 1 + dt / sigma, output: 0, x0: -dt / sigma, previous: 0 } };
  }
}
