import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.ts';
import { alphaBarFromSigma, combine, NoiseSchedule, predictEpsilon, predictX0 } from './noise-schedule.ts';
import { DEFAULT_SCHEDULER_CONFIG, parseSchedulerConfig } from './scheduler-config.ts';
import { closedFormAlphasCumprod, SD15_SCHEDULER_JSON } from './test-support.ts';

const sd = parseSchedulerConfig(SD15_SCHEDULER_JSON);

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function meanAndVariance(x: Float32Array): { mean: number; variance: number } {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  return { mean, variance: x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length };
}

describe('NoiseSchedule', () => {
  it("matches the closed form of SD 1.5's scaled_linear ᾱ_t at every timestep", () => {
    const schedule = new NoiseSchedule(sd);
    const expected = closedFormAlphasCumprod('scaled_linear', 0.00085, 0.012, 1000);
    expect(schedule.alphasCumprod).toHaveLength(1000);
    expect(maxAbsDiff(schedule.alphasCumprod, expected)).toBeLessThan(1e-12);
  });

  it("has SD 1.5's known end points: ᾱ_0 = 1 − 0.00085 and ᾱ_999 ≈ 0.00466", () => {
    const schedule = new NoiseSchedule(sd);
    expect(schedule.alphasCumprod[0]).toBeCloseTo(0.99915, 12);
    expect(Math.abs(schedule.alphasCumprod[999]! - 0.00466)).toBeLessThan(1e-5);
    expect(schedule.betas[999]).toBeCloseTo(0.012, 12);
    expect(schedule.sigmas[999]).toBeCloseTo(Math.sqrt((1 - 0.00466) / 0.00466), 1);
  });

  it('builds linear betas as linspace(beta_start, beta_end)', () => {
    const schedule = new NoiseSchedule(DEFAULT_SCHEDULER_CONFIG);
    expect(schedule.betas[0]).toBe(0.0001);
    expect(schedule.betas[999]).toBe(0.02);
    expect(maxAbsDiff(schedule.alphasCumprod, closedFormAlphasCumprod('linear', 0.0001, 0.02, 1000))).toBeLessThan(
      1e-12,
    );
  });

  it('builds the cosine schedule so that ᾱ_t telescopes to f((t+1)/T)/f(0), capped at β = 0.999', () => {
    const schedule = new NoiseSchedule({ ...DEFAULT_SCHEDULER_CONFIG, betaSchedule: 'squaredcos_cap_v2' });
    const f = (u: number): number => Math.cos(((u + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const t of [0, 1, 250, 500, 900, 998]) {
      expect(schedule.alphasCumprod[t]).toBeCloseTo(f((t + 1) / 1000) / f(0), 12);
    }
    expect(schedule.betas[999]).toBe(0.999);
  });

  it('adds noise as the forward process x_t = sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·ε', () => {
    const schedule = new NoiseSchedule(sd);
    const rng = new Rng(1);
    const x0 = rng.normalArray(64);
    const eps = rng.normalArray(64);
    for (const t of [0, 1, 500, 999]) {
      const ab = closedFormAlphasCumprod('scaled_linear', 0.00085, 0.012, 1000)[t]!;
      const expected = x0.map((x, i) => Math.sqrt(ab) * x + Math.sqrt(1 - ab) * eps[i]!);
      expect(maxAbsDiff(schedule.addNoise(x0, eps, t), expected)).toBeLessThan(1e-6);
    }
  });

  it('keeps unit variance for unit-variance data (variance preserving)', () => {
    const schedule = new NoiseSchedule(sd);
    const rng = new Rng(2);
    const n = 100_000;
    for (const t of [10, 500, 999]) {
      const stats = meanAndVariance(schedule.addNoise(rng.normalArray(n), rng.normalArray(n), t));
      expect(Math.abs(stats.mean)).toBeLessThan(0.02);
      expect(Math.abs(stats.variance - 1)).toBeLessThan(0.02);
    }
  });

  it('computes the v target v = sqrt(ᾱ)·ε − sqrt(1 − ᾱ)·x0, so x0 = sqrt(ᾱ)·x_t − sqrt(1 − ᾱ)·v', () => {
    const schedule = new NoiseSchedule(sd);
    const rng = new Rng(3);
    const x0 = rng.normalArray(32);
    const eps = rng.normalArray(32);
    const t = 321;
    const ab = schedule.alphaBar(t);
    const v = schedule.velocity(x0, eps, t);
    expect(maxAbsDiff(v, combine(eps, Math.sqrt(ab), x0, -Math.sqrt(1 - ab)))).toBeLessThan(1e-6);
    const xt = schedule.addNoise(x0, eps, t);
    expect(maxAbsDiff(combine(xt, Math.sqrt(ab), v, -Math.sqrt(1 - ab)), x0)).toBeLessThan(1e-5);
  });

  it('recovers x0 and ε from an exact ε or v model output at any timestep', () => {
    const schedule = new NoiseSchedule(sd);
    const rng = new Rng(4);
    const x0 = rng.normalArray(32);
    const eps = rng.normalArray(32);
    for (const t of [0, 100, 999]) {
      const ab = schedule.alphaBar(t);
      const xt = schedule.addNoise(x0, eps, t);
      const v = schedule.velocity(x0, eps, t);
      // Dividing by sqrt(ᾱ_999) ≈ 0.068 amplifies float32 rounding of x_t; 1e-4 covers it.
      expect(maxAbsDiff(predictX0(eps, xt, ab, 'epsilon'), x0)).toBeLessThan(1e-4);
      expect(maxAbsDiff(predictX0(v, xt, ab, 'v_prediction'), x0)).toBeLessThan(1e-5);
      expect(predictEpsilon(eps, xt, ab, 'epsilon')).toBe(eps);
      // At t = 0, ε is divided out of a 0.03-weighted term: 1e-4 covers float32 rounding.
      expect(maxAbsDiff(predictEpsilon(v, xt, ab, 'v_prediction'), eps)).toBeLessThan(1e-4);
    }
  });

  it('refuses non-integer or out-of-range timesteps', () => {
    const schedule = new NoiseSchedule(sd);
    for (const t of [-1, 1000, 1.5, Number.NaN]) expect(() => schedule.alphaBar(t)).toThrow(RangeError);
    expect(() => schedule.addNoise(new Float32Array(2), new Float32Array(3), 1)).toThrow(/length mismatch/);
  });

  it('converts a VE noise level back to ᾱ', () => {
    const schedule = new NoiseSchedule(sd);
    for (const t of [0, 500, 999]) expect(alphaBarFromSigma(schedule.sigmas[t]!)).toBeCloseTo(schedule.alphaBar(t), 12);
  });
});
