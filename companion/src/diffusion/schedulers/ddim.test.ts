import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.ts';
import { DdimScheduler } from './ddim.ts';
import { parseSchedulerConfig } from './scheduler-config.ts';
import {
  closedFormAlphasCumprod,
  gaussianDenoiser,
  oracleDenoiser,
  runSampler,
  SD15_SCHEDULER_JSON,
} from './test-support.ts';

const sdJson = SD15_SCHEDULER_JSON as Record<string, unknown>;
const sd = parseSchedulerConfig(sdJson);
const alphasCumprod = closedFormAlphasCumprod('scaled_linear', 0.00085, 0.012, 1000);

function maxAbsDiff(a: Float32Array, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('DdimScheduler#setTimesteps', () => {
  it('gives SD 1.5 (leading, steps_offset 1) 50 steps of 981, 961, …, 1', () => {
    const ddim = new DdimScheduler(sd);
    ddim.setTimesteps(50);
    expect(ddim.timesteps).toEqual(Array.from({ length: 50 }, (_, i) => 981 - 20 * i));
  });

  it('spaces "trailing" from 999 and "linspace" from 999 to 0 with numpy rounding', () => {
    const trailing = new DdimScheduler(parseSchedulerConfig({ ...sdJson, timestep_spacing: 'trailing' }));
    trailing.setTimesteps(50);
    expect(trailing.timesteps).toEqual(Array.from({ length: 50 }, (_, i) => 999 - 20 * i));
    const linspace = new DdimScheduler(parseSchedulerConfig({ ...sdJson, timestep_spacing: 'linspace' }));
    linspace.setTimesteps(10);
    expect(linspace.timesteps).toEqual([999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
    linspace.setTimesteps(50);
    expect(linspace.timesteps.slice(0, 5)).toEqual([999, 979, 958, 938, 917]);
    expect(linspace.timesteps.at(-1)).toBe(0);
  });

  it('refuses a step count the model was not trained for', () => {
    expect(() => new DdimScheduler(sd).setTimesteps(0)).toThrow(RangeError);
    expect(() => new DdimScheduler(sd).setTimesteps(1001)).toThrow(/\[1, 1000\]/);
    // "leading" with steps_offset 1 would ask the model about timestep 1000.
    expect(() => new DdimScheduler(sd).setTimesteps(1000)).toThrow(/timestep 1000/);
  });
});

describe('DdimScheduler#step', () => {
  it('asks for setTimesteps before the first step', () => {
    expect(() => new DdimScheduler(sd).step(new Float32Array(1), 0, new Float32Array(1))).toThrow(/setTimesteps/);
  });

  it('recovers x0 exactly from pure noise with an oracle ε when ᾱ_prev of the last step is 1', () => {
    const config = parseSchedulerConfig({ ...sdJson, set_alpha_to_one: true });
    const rng = new Rng(11);
    const x0 = rng.uniformArray(256, -1, 1);
    for (const prediction of ['epsilon', 'v_prediction'] as const) {
      for (const steps of [10, 25, 50]) {
        const ddim = new DdimScheduler({ ...config, predictionType: prediction });
        const out = runSampler(ddim, steps, oracleDenoiser(alphasCumprod, x0, prediction), rng.normalArray(256));
        expect(maxAbsDiff(out, x0)).toBeLessThan(1e-4);
      }
    }
  });

  it("ends SD 1.5's run at noise level ᾱ_0 (set_alpha_to_one false), on the oracle's own noise", () => {
    // With an exact model DDIM keeps x_t = sqrt(ᾱ_t)·x0 + sqrt(1−ᾱ_t)·ε̂ with one ε̂ fixed by x_T, eq. 12.
    const rng = new Rng(12);
    const x0 = rng.uniformArray(256, -1, 1);
    const xT = rng.normalArray(256);
    const ddim = new DdimScheduler(sd);
    const out = runSampler(ddim, 50, oracleDenoiser(alphasCumprod, x0, 'epsilon'), xT);
    const aT = Math.sqrt(alphasCumprod[981]!);
    const bT = Math.sqrt(1 - alphasCumprod[981]!);
    const a0 = Math.sqrt(alphasCumprod[0]!);
    const b0 = Math.sqrt(1 - alphasCumprod[0]!);
    const expected = x0.map((x, i) => a0 * x + b0 * ((xT[i]! - aT * x) / bT));
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-5);
    expect(maxAbsDiff(out, x0)).toBeLessThan(0.15);
  });

  it('lands every step on the next listed timestep, for every spacing (unlike diffusers t − ⌊T/n⌋)', () => {
    // Exact data predictions for N(μ, s²) keep the mean on sqrt(ᾱ_t)·μ, so the mean shows which level x is at.
    const mu = 0.7;
    const model = gaussianDenoiser(alphasCumprod, mu, 0.5, 'epsilon');
    for (const [timestep_spacing, steps] of [
      ['linspace', 7],
      ['trailing', 13],
      ['leading', 9],
    ] as const) {
      const ddim = new DdimScheduler(parseSchedulerConfig({ ...sdJson, timestep_spacing }));
      ddim.setTimesteps(steps);
      let x: Float32Array = Float32Array.from([Math.sqrt(alphasCumprod[ddim.timesteps[0]!]!) * mu]);
      for (let i = 0; i < steps - 1; i++) {
        x = ddim.step(model(x, ddim.timesteps[i]!), i, x);
        expect(x[0]).toBeCloseTo(Math.sqrt(alphasCumprod[ddim.timesteps[i + 1]!]!) * mu, 6);
      }
    }
  });

  it('clips the predicted x0 to ±clip_sample_range when clip_sample is set', () => {
    const config = parseSchedulerConfig({ ...sdJson, set_alpha_to_one: true, clip_sample: true });
    const x0 = Float32Array.from([3, -0.5, -2]);
    const out = runSampler(
      new DdimScheduler(config),
      1,
      oracleDenoiser(alphasCumprod, x0, 'epsilon'),
      new Float32Array(3),
    );
    expect(Array.from(out)).toEqual([1, -0.5, -1]);
  });

  it('is deterministic with eta = 0 and leaves a passed rng untouched', () => {
    const model = gaussianDenoiser(alphasCumprod, 0.3, 0.7, 'epsilon');
    const xT = new Rng(13).normalArray(64);
    const rng = new Rng(99);
    const a = runSampler(new DdimScheduler(sd), 20, model, xT, rng);
    const b = runSampler(new DdimScheduler(sd), 20, model, xT);
    expect(a).toEqual(b);
    expect(rng.uniform()).toBe(new Rng(99).uniform());
  });

  it('with eta > 0 needs an rng, and is reproducible from its seed', () => {
    const model = gaussianDenoiser(alphasCumprod, 0.3, 0.7, 'epsilon');
    const xT = new Rng(14).normalArray(64);
    const ddim = new DdimScheduler(sd, { eta: 1 });
    expect(() => runSampler(ddim, 10, model, xT)).toThrow(/pass a seeded rng/);
    const a = runSampler(ddim, 10, model, xT, new Rng(5));
    const b = runSampler(ddim, 10, model, xT, new Rng(5));
    const c = runSampler(ddim, 10, model, xT, new Rng(6));
    expect(a).toEqual(b);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0.01);
    expect(() => new DdimScheduler(sd, { eta: 1.5 })).toThrow(RangeError);
  });

  it('with eta = 1 (ancestral) converges to the true marginal of Gaussian data as steps grow', () => {
    const mu = 0.5;
    const s = 0.8;
    const n = 40_000;
    const config = parseSchedulerConfig({ ...sdJson, set_alpha_to_one: true, timestep_spacing: 'trailing' });
    const stdError = (steps: number): number => {
      const rng = new Rng(15);
      // Start from the exact marginal at t = 999, x_T ~ N(sqrt(ᾱ)μ, ᾱs² + 1 − ᾱ).
      const ab = alphasCumprod[999]!;
      const xT = rng.normalArray(n, Math.sqrt(ab * s * s + 1 - ab)).map((z) => z + Math.sqrt(ab) * mu);
      const model = gaussianDenoiser(alphasCumprod, mu, s, 'epsilon');
      const out = runSampler(new DdimScheduler(config, { eta: 1 }), steps, model, xT, rng);
      const mean = out.reduce((acc, x) => acc + x, 0) / n;
      // Monte Carlo standard error of the mean: s/sqrt(n) = 0.004.
      expect(Math.abs(mean - mu)).toBeLessThan(0.015);
      return Math.sqrt(out.reduce((acc, x) => acc + (x - mean) ** 2, 0) / n) - s;
    };
    // Plugging E[x0 | x_t] into the posterior under-disperses coarse steps; the deficit shrinks with the stride.
    const coarse = stdError(50);
    const fine = stdError(250);
    expect(coarse).toBeLessThan(-0.03);
    expect(Math.abs(fine)).toBeLessThan(0.02);
  });
});
