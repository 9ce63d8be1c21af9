import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.ts';
import { DdimScheduler } from './ddim.ts';
import { DpmSolverPp2mScheduler, karrasSigmas, timestepOfSigma } from './dpm-solver-pp-2m.ts';
import { NoiseSchedule } from './noise-schedule.ts';
import type { Scheduler } from './scheduler.ts';
import { parseSchedulerConfig } from './scheduler-config.ts';
import {
  closedFormAlphasCumprod,
  type Denoiser,
  gaussianDenoiser,
  oracleDenoiser,
  runSampler,
  SD15_SCHEDULER_JSON,
} from './test-support.ts';

const sdJson = SD15_SCHEDULER_JSON as Record<string, unknown>;
const sd = parseSchedulerConfig(sdJson);
const trailing = parseSchedulerConfig({ ...sdJson, timestep_spacing: 'trailing' });
const alphasCumprod = closedFormAlphasCumprod('scaled_linear', 0.00085, 0.012, 1000);

describe('DpmSolverPp2mScheduler#setTimesteps', () => {
  it('spaces n + 1 points and drops t = 0 for "linspace" and "leading", as diffusers', () => {
    const linspace = new DpmSolverPp2mScheduler(parseSchedulerConfig({ ...sdJson, timestep_spacing: 'linspace' }));
    linspace.setTimesteps(20);
    expect(linspace.timesteps).toEqual([
      999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50,
    ]);
    const leading = new DpmSolverPp2mScheduler(sd);
    leading.setTimesteps(20);
    expect(leading.timesteps).toEqual(Array.from({ length: 20 }, (_, i) => (20 - i) * 47 + 1));
    const trail = new DpmSolverPp2mScheduler(trailing);
    trail.setTimesteps(20);
    expect(trail.timesteps).toEqual(Array.from({ length: 20 }, (_, i) => 999 - 50 * i));
  });
});

describe('DpmSolverPp2mScheduler#step', () => {
  it('recovers x0 from pure noise with an oracle model in 10 to 50 steps', () => {
    const rng = new Rng(31);
    const x0 = rng.uniformArray(256, -1, 1);
    for (const prediction of ['epsilon', 'v_prediction'] as const) {
      for (const steps of [10, 20, 50]) {
        const dpm = new DpmSolverPp2mScheduler({ ...sd, predictionType: prediction });
        const out = runSampler(dpm, steps, oracleDenoiser(alphasCumprod, x0, prediction), rng.normalArray(256));
        for (let i = 0; i < x0.length; i++) expect(Math.abs(out[i]! - x0[i]!)).toBeLessThan(1e-4);
      }
    }
  });

  it('takes a first step equal to DDIM (DPM-Solver++(1) is DDIM)', () => {
    const model = gaussianDenoiser(alphasCumprod, 0.2, 0.9, 'epsilon');
    const x = new Rng(32).normalArray(64);
    const dpm = new DpmSolverPp2mScheduler(trailing);
    const ddim = new DdimScheduler(trailing);
    dpm.setTimesteps(20);
    ddim.setTimesteps(20);
    const output = model(x, 999);
    const a = dpm.step(output, 0, x);
    const b = ddim.step(output, 0, x);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
  });

  it('is second order, where DDIM is first order (error at t = 499 on nested trailing grids)', () => {
    const mu = 0.5;
    const s = 1;
    const model = gaussianDenoiser(alphasCumprod, mu, s, 'epsilon');
    const dpmErrors = [10, 20, 40, 80].map((n) =>
      stdErrorAt(new DpmSolverPp2mScheduler(trailing), n, 499, model, mu, s),
    );
    const ddimErrors = [10, 20, 40, 80].map((n) => stdErrorAt(new DdimScheduler(trailing), n, 499, model, mu, s));
    for (let k = 1; k < 4; k++) {
      expect(dpmErrors[k - 1]! / dpmErrors[k]!).toBeGreaterThan(3.5);
      expect(dpmErrors[k - 1]! / dpmErrors[k]!).toBeLessThan(4.5);
      expect(ddimErrors[k - 1]! / ddimErrors[k]!).toBeGreaterThan(1.8);
      expect(ddimErrors[k - 1]! / ddimErrors[k]!).toBeLessThan(2.2);
    }
  });

  it('with 20 steps is as accurate as DDIM with 200 steps (Gaussian data, at the shared level t = 49)', () => {
    for (const [mu, s] of [
      [0.5, 1],
      [0.3, 0.8],
      [0.5, 0.5],
    ] as const) {
      const model = gaussianDenoiser(alphasCumprod, mu, s, 'epsilon');
      const dpm20 = stdErrorAt(new DpmSolverPp2mScheduler(trailing), 20, 49, model, mu, s);
      const ddim200 = stdErrorAt(new DdimScheduler(trailing), 200, 49, model, mu, s);
      const ddim20 = stdErrorAt(new DdimScheduler(trailing), 20, 49, model, mu, s);
      expect(dpm20).toBeLessThan(1.25 * ddim200);
      expect(dpm20).toBeLessThan(ddim20 / 5);
      expect(dpm20).toBeLessThan(0.01);
    }
  });

  it('refuses out-of-order steps, and setTimesteps resets the history', () => {
    const model = gaussianDenoiser(alphasCumprod, 0, 1, 'epsilon');
    const xT = new Rng(33).normalArray(16);
    const dpm = new DpmSolverPp2mScheduler(sd);
    const first = runSampler(dpm, 10, model, xT);
    expect(runSampler(dpm, 10, model, xT)).toEqual(first);
    dpm.setTimesteps(10);
    dpm.step(model(xT, dpm.timesteps[3]!), 3, xT); // a later start, as img2img does
    expect(() => dpm.step(model(xT, dpm.timesteps[3]!), 3, xT)).toThrow(/steps must run in order/);
  });
});

/**
 * |relative error| of the std of the sampler's state when it reaches train timestep `at`, starting from the exact
 * marginal N(sqrt(ᾱ)μ, ᾱs² + 1 − ᾱ) at the first timestep. The sampler is affine per element (see test-support),
 * so running it on the two points 0 and 1 gives it exactly.
 */
function stdErrorAt(scheduler: Scheduler, steps: number, at: number, model: Denoiser, mu: number, s: number): number {
  scheduler.setTimesteps(steps);
  const stop = scheduler.timesteps.indexOf(at);
  expect(stop).toBeGreaterThan(0);
  let x: Float32Array = Float32Array.from([0, 1]);
  for (let i = 0; i < stop; i++) x = scheduler.step(model(x, scheduler.timesteps[i]!), i, x);
  const ab0 = alphasCumprod[scheduler.timesteps[0]!]!;
  const abAt = alphasCumprod[at]!;
  const gain = x[1]! - x[0]!;
  // Exact data predictions keep the mean on sqrt(ᾱ_t)·μ for any step size; only the spread carries the error.
  expect(Math.abs(gain * Math.sqrt(ab0) * mu + x[0]! - Math.sqrt(abAt) * mu)).toBeLessThan(1e-5);
  const std = Math.abs(gain) * Math.sqrt(ab0 * s * s + 1 - ab0);
  const target = Math.sqrt(abAt * s * s + 1 - abAt);
  return Math.abs(std - target) / target;
}

describe('DPM-Solver++(2M) on Karras noise levels', () => {
  const schedule = new NoiseSchedule(sd);
  const logSigmas = schedule.sigmas.map(Math.log);

  it('spaces n levels from σ_max to σ_min evenly in σ^(1/7) (Karras et al. 2022, eq. 5)', () => {
    const levels = karrasSigmas(0.03, 14.6, 10);
    expect(levels[0]).toBeCloseTo(14.6, 10);
    expect(levels[9]).toBeCloseTo(0.03, 10);
    const roots = Array.from(levels, (s) => s ** (1 / 7));
    for (let i = 2; i < roots.length; i++) expect(roots[i]! - roots[i - 1]!).toBeCloseTo(roots[1]! - roots[0]!, 10);
    expect(karrasSigmas(0.03, 14.6, 1)[0]).toBeCloseTo(14.6, 10);
  });

  it("finds the timestep of a σ by log-σ interpolation: every training timestep's own σ maps back to it", () => {
    for (const t of [0, 1, 17, 500, 998, 999])
      expect(timestepOfSigma(schedule.sigmas[t]!, logSigmas)).toBeCloseTo(t, 9);
    const between = Math.exp((logSigmas[300]! + logSigmas[301]!) / 2);
    expect(timestepOfSigma(between, logSigmas)).toBeCloseTo(300.5, 9);
    expect(timestepOfSigma(1e3, logSigmas)).toBe(999);
    expect(timestepOfSigma(1e-6, logSigmas)).toBe(0);
  });

  it('spends more of its steps at low noise than the linear spacing, from t = 999 down to t = 0', () => {
    const karras = new DpmSolverPp2mScheduler(sd, { karras: true });
    karras.setTimesteps(20);
    expect(karras.timesteps[0]).toBeCloseTo(999, 9);
    expect(karras.timesteps.at(-1)).toBeCloseTo(0, 9);
    const linear = new DpmSolverPp2mScheduler(parseSchedulerConfig({ ...sdJson, timestep_spacing: 'linspace' }));
    linear.setTimesteps(20);
    const below = (ts: readonly number[]) => ts.filter((t) => t < 200).length;
    expect(below(karras.timesteps)).toBeGreaterThan(2 * below(linear.timesteps));
  });

  it('recovers x0 from pure noise with an oracle model (ε and v prediction)', () => {
    const rng = new Rng(41);
    const x0 = rng.uniformArray(256, -1, 1);
    for (const prediction of ['epsilon', 'v_prediction'] as const) {
      const karras = new DpmSolverPp2mScheduler({ ...sd, predictionType: prediction }, { karras: true });
      const out = runSampler(karras, 20, oracleDenoiser(alphasCumprod, x0, prediction), rng.normalArray(256));
      for (let i = 0; i < x0.length; i++) expect(Math.abs(out[i]! - x0[i]!)).toBeLessThan(1e-3);
    }
  });
});
