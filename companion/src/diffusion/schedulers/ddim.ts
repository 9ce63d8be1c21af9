// DDIM (Song et al. 2021, "Denoising Diffusion Implicit Models"), as diffusers' DDIMScheduler.
// Notation (variable -> paper, with the paper's α_t written ᾱ_t as in DDPM):
//   alphaProdT      ᾱ_t             alphaProdPrev   ᾱ_{t−1} (the next, less noisy, inference timestep)
//   predX0          "predicted x0", f_θ(x_t, t) of eq. 12
//   predEps         ε_θ(x_t, t)
//   stdDev          σ_t(η) of eq. 16: η·sqrt((1−ᾱ_{t−1})/(1−ᾱ_t))·sqrt(1 − ᾱ_t/ᾱ_{t−1})
//   direction       "direction pointing to x_t" of eq. 12: sqrt(1 − ᾱ_{t−1} − σ_t²)·ε_θ
// η = 0 is the deterministic DDIM sampler; η = 1 is DDPM's ancestral sampler.
import { applyLinearStep, type LinearStep } from './linear-step.ts';
import { NoiseSchedule } from './noise-schedule.ts';
import type { NoiseSource, Scheduler } from './scheduler.ts';
import type { SchedulerConfig, TimestepSpacing } from './scheduler-config.ts';
import {
  checkNumSteps,
  checkStepIndex,
  checkTimestepRange,
  leadingTimesteps,
  linspace,
  roundHalfEven,
  trailingTimesteps,
} from './timestep-spacing.ts';

export interface DdimOptions {
  /** η of eq. 16, in [0, 1]; default 0 (deterministic). Values above 0 need an rng in `step`. */
  readonly eta?: number;
}

export class DdimScheduler implements Scheduler {
  readonly initNoiseSigma = 1;
  private readonly schedule: NoiseSchedule;
  private readonly config: SchedulerConfig;
  private readonly eta: number;
  /** ᾱ used after the last step: 1 (a clean sample) or ᾱ_0, as `set_alpha_to_one` says. */
  private readonly finalAlphaCumprod: number;
  private steps: readonly number[] = [];

  constructor(config: SchedulerConfig, options: DdimOptions = {}) {
    const eta = options.eta ?? 0;
    if (!(eta >= 0 && eta <= 1)) throw new RangeError(`DDIM: eta must be in [0, 1], got ${eta}`);
    this.config = config;
    this.eta = eta;
    this.schedule = new NoiseSchedule(config);
    this.finalAlphaCumprod = config.setAlphaToOne ? 1 : this.schedule.alphaBar(0);
  }

  get timesteps(): readonly number[] {
    return this.steps;
  }

  setTimesteps(numInferenceSteps: number): void {
    const T = this.config.numTrainTimesteps;
    checkNumSteps(numInferenceSteps, T, 'DDIM');
    const steps = ddimTimesteps(this.config.timestepSpacing, T, numInferenceSteps, this.config.stepsOffset);
    checkTimestepRange(steps, T, 'DDIM');
    this.steps = steps;
  }

  noisedSample(x0: Float32Array, noise: Float32Array, stepIndex: number): Float32Array {
    return this.schedule.addNoise(x0, noise, checkStepIndex(this.steps, stepIndex, 'DDIM'));
  }

  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array {
    checkStepIndex(this.steps, stepIndex, 'DDIM');
    return sample;
  }

  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, rng?: NoiseSource): Float32Array {
    const t = checkStepIndex(this.steps, stepIndex, 'DDIM');
    if (this.eta > 0 && rng === undefined) {
      throw new RangeError('DDIM: eta > 0 adds noise at every step; pass a seeded rng to step()');
    }
    // 5. σ_t(η), eq. 16.
    const { alphaProdT, alphaProdPrev } = this.levels(stepIndex, t);
    const variance = ((1 - alphaProdPrev) / (1 - alphaProdT)) * (1 - alphaProdT / alphaProdPrev);
    const stdDev = this.eta * Math.sqrt(variance);
    const { next } = applyLinearStep(this.coefficients(stepIndex, t, stdDev), sample, modelOutput);
    // 7. + σ_t·z, eq. 12's random noise.
    if (stdDev > 0) for (let i = 0; i < next.length; i++) next[i] = next[i]! + stdDev * rng!.normal();
    return next;
  }

  linearStep(stepIndex: number): LinearStep | undefined {
    const t = checkStepIndex(this.steps, stepIndex, 'DDIM');
    return this.eta > 0 ? undefined : this.coefficients(stepIndex, t, 0);
  }

  /** 1.–2. ᾱ_t and ᾱ_{t−1} of step `stepIndex` at timestep `t`. */
  private levels(stepIndex: number, t: number): { alphaProdT: number; alphaProdPrev: number } {
    // The previous timestep τ_{i−1}: the next entry of the list, or none after the last one. diffusers uses
    // t − ⌊T/n⌋, the same for "leading" and for "trailing" when n divides T, but off the list otherwise, so the
    // sample lands on a level the next step does not expect (diffusers issues #12633, #11347, #9261).
    const prevT = this.steps[stepIndex + 1] ?? -1;
    return {
      alphaProdT: this.schedule.alphaBar(t),
      alphaProdPrev: prevT >= 0 ? this.schedule.alphaBar(prevT) : this.finalAlphaCumprod,
    };
  }

  /** Eq. 12 without its noise term, as a linear map of the sample and the model output (linear-step.ts). */
  private coefficients(stepIndex: number, t: number, stdDev: number): LinearStep {
    const { alphaProdT, alphaProdPrev } = this.levels(stepIndex, t);
    // 3. Predicted x0 and ε (eq. 12) from whichever quantity the model predicts (noise-schedule.ts, predictX0 and
    //    predictEpsilon): ε: x0 = (x_t − sqrt(1−ᾱ)·ε̂)/sqrt(ᾱ); v: x0 = sqrt(ᾱ)·x_t − sqrt(1−ᾱ)·v̂, ε̂ = sqrt(ᾱ)·v̂ + sqrt(1−ᾱ)·x_t.
    const [a, b] = [Math.sqrt(alphaProdT), Math.sqrt(1 - alphaProdT)];
    const isEpsilon = this.config.predictionType === 'epsilon';
    const x0 = isEpsilon ? { sample: 1 / a, output: -b / a } : { sample: a, output: -b };
    const eps = isEpsilon ? { sample: 0, output: 1 } : { sample: b, output: a };
    // 4. Optional clipping of x0 (pixel-space models); ε is not re-derived (diffusers' use_clipped_model_output=false).
    const clip = this.config.clipSample ? { clip: this.config.clipSampleRange } : {};
    // 6. x_{t−1} = sqrt(ᾱ_{t−1})·x0 + sqrt(1 − ᾱ_{t−1} − σ_t²)·ε_θ (+ σ_t·z), eq. 12.
    const direction = Math.sqrt(Math.max(0, 1 - alphaProdPrev - stdDev * stdDev));
    return {
      input: 1,
      x0: { ...x0, ...clip },
      next: {
        sample: direction * eps.sample,
        output: direction * eps.output,
        x0: Math.sqrt(alphaProdPrev),
        previous: 0,
      },
    };
  }
}

/** diffusers DDIMScheduler.set_timesteps, descending. */
function ddimTimesteps(spacing: TimestepSpacing, T: number, n: number, stepsOffset: number): number[] {
  switch (spacing) {
    case 'linspace':
      return linspace(0, T - 1, n)
        .map(roundHalfEven)
        .reverse();
    case 'leading':
      return leadingTimesteps(T, n, stepsOffset);
    case 'trailing':
      return trailingTimesteps(T, n);
  }
}
