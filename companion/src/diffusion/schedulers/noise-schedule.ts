// The discrete forward process of DDPM (Ho et al. 2020) as diffusers builds it from a scheduler config, and the
// conversions between what a denoiser predicts (ε or v) and the clean sample. Notation (docs/method.md §1, DDPM §2):
//   β_t        betas[t]           per-step noise variance, t = 0 … T−1 (diffusers' 0-based train timesteps)
//   α_t        alphas[t]          1 − β_t
//   ᾱ_t        alphasCumprod[t]   Π_{s≤t} α_s
//   x_t        sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·ε   (DDPM eq. 4, reparametrised), the training input of Imagic's loss
//   σ_t        sqrt((1 − ᾱ_t)/ᾱ_t), the noise level of x_t/sqrt(ᾱ_t) (Karras et al. 2022, "VE" form)
// Everything is computed in float64; diffusers computes the schedule in float32 (a ~1e-7 relative difference).
import type { BetaSchedule, PredictionType, SchedulerConfig } from './scheduler-config.ts';
import { linspace } from './timestep-spacing.ts';

/** The largest β of the cosine schedule (Nichol & Dhariwal 2021, §3.2), to avoid a singularity at t = T. */
const COSINE_MAX_BETA = 0.999;
/** The small offset s of the cosine schedule (Nichol & Dhariwal 2021, eq. 17). */
const COSINE_OFFSET = 0.008;

type ScheduleConfig = Pick<SchedulerConfig, 'numTrainTimesteps' | 'betaStart' | 'betaEnd' | 'betaSchedule'>;

const betaRules: Record<BetaSchedule, (c: ScheduleConfig) => number[]> = {
  linear: (c) => linspace(c.betaStart, c.betaEnd, c.numTrainTimesteps),
  // Latent diffusion's schedule: linear in sqrt(β).
  scaled_linear: (c) => linspace(Math.sqrt(c.betaStart), Math.sqrt(c.betaEnd), c.numTrainTimesteps).map((b) => b * b),
  // GLIDE / improved DDPM: β_t = min(1 − ᾱ(t+1)/ᾱ(t), max_beta), ᾱ(u) = cos²((u/T + s)/(1 + s)·π/2).
  squaredcos_cap_v2: (c) => {
    const n = c.numTrainTimesteps;
    const alphaBar = (u: number): number => Math.cos(((u + COSINE_OFFSET) / (1 + COSINE_OFFSET)) * (Math.PI / 2)) ** 2;
    return Array.from({ length: n }, (_, i) => Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), COSINE_MAX_BETA));
  },
};

export class NoiseSchedule {
  readonly numTrainTimesteps: number;
  readonly betas: Float64Array;
  readonly alphas: Float64Array;
  readonly alphasCumprod: Float64Array;
  /** σ_t for every train timestep, ascending in t. */
  readonly sigmas: Float64Array;

  constructor(config: ScheduleConfig) {
    this.numTrainTimesteps = config.numTrainTimesteps;
    this.betas = Float64Array.from(betaRules[config.betaSchedule](config));
    this.alphas = this.betas.map((b) => 1 - b);
    this.alphasCumprod = new Float64Array(this.alphas.length);
    let product = 1;
    this.alphas.forEach((a, t) => {
      product *= a;
      this.alphasCumprod[t] = product;
    });
    this.sigmas = this.alphasCumprod.map((ab) => Math.sqrt((1 - ab) / ab));
  }

  /** ᾱ_t at an integer train timestep. */
  alphaBar(t: number): number {
    const value = this.alphasCumprod[t];
    if (!Number.isInteger(t) || value === undefined) {
      throw new RangeError(`timestep ${t} is not an integer in [0, ${this.numTrainTimesteps - 1}]`);
    }
    return value;
  }

  /** The forward process q(x_t | x0): x_t = sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·ε. */
  addNoise(x0: Float32Array, noise: Float32Array, t: number): Float32Array {
    const ab = this.alphaBar(t);
    return combine(x0, Math.sqrt(ab), noise, Math.sqrt(1 - ab));
  }

  /** The v-prediction target (Salimans & Ho 2022, "Progressive Distillation", §4): v = sqrt(ᾱ_t)·ε − sqrt(1 − ᾱ_t)·x0. */
  velocity(x0: Float32Array, noise: Float32Array, t: number): Float32Array {
    const ab = this.alphaBar(t);
    return combine(noise, Math.sqrt(ab), x0, -Math.sqrt(1 - ab));
  }
}

/**
 * The clean-sample prediction x̂0 from a model output at a noise level ᾱ (any level, not only a train timestep).
 * `sample` is the variance-preserving x_t the model saw. ε: x̂0 = (x_t − sqrt(1−ᾱ)·ε̂)/sqrt(ᾱ) (DDIM eq. 12's
 * "predicted x0"); v: x̂0 = sqrt(ᾱ)·x_t − sqrt(1−ᾱ)·v̂.
 */
export function predictX0(
  modelOutput: Float32Array,
  sample: Float32Array,
  alphaBar: number,
  predictionType: PredictionType,
): Float32Array {
  const a = Math.sqrt(alphaBar);
  const b = Math.sqrt(1 - alphaBar);
  return predictionType === 'epsilon'
    ? combine(sample, 1 / a, modelOutput, -b / a)
    : combine(sample, a, modelOutput, -b);
}

/** The noise prediction ε̂ from a model output at ᾱ. ε: itself; v: ε̂ = sqrt(ᾱ)·v̂ + sqrt(1−ᾱ)·x_t. */
export function predictEpsilon(
  modelOutput: Float32Array,
  sample: Float32Array,
  alphaBar: number,
  predictionType: PredictionType,
): Float32Array {
  if (predictionType === 'epsilon') return modelOutput;
  return combine(modelOutput, Math.sqrt(alphaBar), sample, Math.sqrt(1 - alphaBar));
}

/** ᾱ of the noise level σ: ᾱ = 1/(1 + σ²). */
export function alphaBarFromSigma(sigma: number): number {
  return 1 / (1 + sigma * sigma);
}

/** a·x + b·y, elementwise, in float64 and stored as float32; x and y must have the same length. */
export function combine(x: Float32Array, a: number, y: Float32Array, b: number): Float32Array {
  if (x.length !== y.length) throw new RangeError(`length mismatch: ${x.length} vs ${y.length}`);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = a * x[i]! + b * y[i]!;
  return out;
}
