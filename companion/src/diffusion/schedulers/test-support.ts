// Test support for the scheduler tests: Stable Diffusion 1.5's config file, and denoisers whose output is known
// exactly, so a sampler can be checked without a network. Written from the definitions, independently of the
// scheduler code under test (it imports only the Scheduler type).
//   data x0 ~ N(μ, s²) per element;  x_t = a·x0 + b·ε with a = sqrt(ᾱ_t), b = sqrt(1 − ᾱ_t)
//   then x_t ~ N(aμ, a²s² + b²) and the MMSE noise estimate is linear in x_t:
//   ε̂(x_t) = E[ε | x_t] = b·(x_t − aμ)/(a²s² + b²),   x̂0 = (x_t − b·ε̂)/a,   v̂ = a·ε̂ − b·x̂0.
// s = 0 with μ = a known x0 is the "oracle": the ε that is consistent with x0 given the current sample.
import type { NoiseSource, Scheduler } from './scheduler.ts';

/** runwayml/stable-diffusion-v1-5 `scheduler/scheduler_config.json`, verbatim. */
export const SD15_SCHEDULER_JSON: unknown = JSON.parse(`{
  "_class_name": "PNDMScheduler",
  "_diffusers_version": "0.6.0",
  "beta_end": 0.012,
  "beta_schedule": "scaled_linear",
  "beta_start": 0.00085,
  "num_train_timesteps": 1000,
  "set_alpha_to_one": false,
  "skip_prk_steps": true,
  "steps_offset": 1,
  "trained_betas": null,
  "clip_sample": false
}`);

export type Denoiser = (modelInput: Float32Array, timestep: number) => Float32Array;
type Prediction = 'epsilon' | 'v_prediction';

/** ᾱ_t = Π_{s≤t}(1 − β_s) for scaled_linear (β = linspace(sqrt β0, sqrt β1, T)²) or linear betas, in closed form. */
export function closedFormAlphasCumprod(
  schedule: 'scaled_linear' | 'linear',
  betaStart: number,
  betaEnd: number,
  T: number,
): Float64Array {
  const out = new Float64Array(T);
  let product = 1;
  for (let i = 0; i < T; i++) {
    const beta =
      schedule === 'linear'
        ? betaStart + ((betaEnd - betaStart) * i) / (T - 1)
        : (Math.sqrt(betaStart) + ((Math.sqrt(betaEnd) - Math.sqrt(betaStart)) * i) / (T - 1)) ** 2;
    product *= 1 - beta;
    out[i] = product;
  }
  return out;
}

/**
 * ᾱ at a timestep as diffusers' samplers define it between integers: the VE level σ = sqrt((1 − ᾱ)/ᾱ) is
 * interpolated linearly in t (Euler's fractional "linspace" timesteps), and ᾱ = 1/(1 + σ²).
 */
export function alphaBarAt(alphasCumprod: Float64Array, t: number): number {
  const sigma = (i: number): number => Math.sqrt((1 - alphasCumprod[i]!) / alphasCumprod[i]!);
  const lo = Math.floor(t);
  const s = lo === t ? sigma(lo) : sigma(lo) + (t - lo) * (sigma(lo + 1) - sigma(lo));
  return 1 / (1 + s * s);
}

/** The exact denoiser for data N(mean[i], std²) (mean broadcast when a number). */
export function gaussianDenoiser(
  alphasCumprod: Float64Array,
  mean: number | Float32Array,
  std: number,
  prediction: Prediction,
): Denoiser {
  return (x, t) => {
    const alphaBar = alphaBarAt(alphasCumprod, t);
    const a = Math.sqrt(alphaBar);
    const b = Math.sqrt(1 - alphaBar);
    const out = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const mu = typeof mean === 'number' ? mean : mean[i]!;
      const eps = (b * (x[i]! - a * mu)) / (a * a * std * std + b * b);
      out[i] = prediction === 'epsilon' ? eps : a * eps - b * ((x[i]! - b * eps) / a);
    }
    return out;
  };
}

/** The oracle for one known clean sample x0. */
export function oracleDenoiser(alphasCumprod: Float64Array, x0: Float32Array, prediction: Prediction): Denoiser {
  return gaussianDenoiser(alphasCumprod, x0, 0, prediction);
}

/** The standard sampling loop (diffusers pipelines): set timesteps, then scale, predict, step at each one. */
export function runSampler(
  scheduler: Scheduler,
  numInferenceSteps: number,
  model: Denoiser,
  initial: Float32Array,
  rng?: NoiseSource,
): Float32Array {
  scheduler.setTimesteps(numInferenceSteps);
  let x = initial;
  scheduler.timesteps.forEach((t, i) => {
    x = scheduler.step(model(scheduler.scaleModelInput(x, i), t), i, x, rng);
  });
  return x;
}

/**
 * A deterministic sampler applied to per-element Gaussian data is an affine map x_T ↦ gain·x_T + offset on each
 * element (every model output is linear in its input). Measured on the two points 0 and 1, it gives the exact
 * mean and std the sampler produces from x_T ~ N(mean, std²), with no Monte Carlo error.
 */
export function pushGaussian(
  scheduler: Scheduler,
  numInferenceSteps: number,
  model: Denoiser,
  initial: { mean: number; std: number },
): { mean: number; std: number } {
  const out = runSampler(scheduler, numInferenceSteps, model, Float32Array.from([0, 1]));
  const offset = out[0]!;
  const gain = out[1]! - offset;
  return { mean: gain * initial.mean + offset, std: Math.abs(gain) * initial.std };
}
