import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.ts';
import { EulerScheduler } from './euler.ts';
import { parseSchedulerConfig } from './scheduler-config.ts';
import { closedFormAlphasCumprod, oracleDenoiser, runSampler, SD15_SCHEDULER_JSON } from './test-support.ts';

const sdJson = SD15_SCHEDULER_JSON as Record<string, unknown>;
const sd = parseSchedulerConfig(sdJson);
const sdLinspace = parseSchedulerConfig({ ...sdJson, timestep_spacing: 'linspace' });
const alphasCumprod = closedFormAlphasCumprod('scaled_linear', 0.00085, 0.012, 1000);
const sigmaAt = (t: number): number => Math.sqrt((1 - alphasCumprod[t]!) / alphasCumprod[t]!);

function variance(x: Float32Array): number {
  const mean = x.reduce((s, v) => s + v, 0) / x.length;
  return x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
}

describe('EulerScheduler#setTimesteps', () => {
  it("uses the PNDM config's leading spacing for SD 1.5: 981, 961, …, 1", () => {
    const euler = new EulerScheduler(sd);
    euler.setTimesteps(50);
    expect(euler.timesteps).toEqual(Array.from({ length: 50 }, (_, i) => 981 - 20 * i));
  });

  it('keeps the fractional float32 timesteps of "linspace"', () => {
    const euler = new EulerScheduler(sdLinspace);
    euler.setTimesteps(50);
    expect(euler.timesteps[0]).toBe(999);
    expect(euler.timesteps[1]).toBe(Math.fround(978.6122448979593));
    expect(euler.timesteps.at(-1)).toBe(0);
  });

  it('starts from sqrt(σ_max² + 1) for "leading" and σ_max for "linspace", as diffusers', () => {
    const leading = new EulerScheduler(sd);
    leading.setTimesteps(50);
    expect(leading.initNoiseSigma).toBeCloseTo(Math.sqrt(sigmaAt(981) ** 2 + 1), 10);
    const linspace = new EulerScheduler(sdLinspace);
    linspace.setTimesteps(50);
    expect(linspace.initNoiseSigma).toBeCloseTo(sigmaAt(999), 10);
    expect(linspace.initNoiseSigma).toBeCloseTo(14.6146, 4);
  });
});

describe('EulerScheduler#scaleModelInput', () => {
  it('gives the first model input unit variance for unit-variance data (x = x0 + σ·ε divided by sqrt(σ² + 1))', () => {
    const rng = new Rng(21);
    const n = 200_000;
    for (const config of [sd, sdLinspace]) {
      const euler = new EulerScheduler(config);
      euler.setTimesteps(30);
      const sigma = sigmaAt(euler.timesteps[0]!);
      const x0 = rng.normalArray(n);
      const noisy = rng.normalArray(n).map((e, i) => x0[i]! + sigma * e);
      expect(Math.abs(variance(euler.scaleModelInput(noisy, 0)) - 1)).toBeLessThan(0.01);
    }
  });

  it('turns the initial noise initNoiseSigma·z into exactly z for "leading"', () => {
    const euler = new EulerScheduler(sd);
    euler.setTimesteps(50);
    const z = new Rng(22).normalArray(1000);
    const scaled = euler.scaleModelInput(
      z.map((v) => v * euler.initNoiseSigma),
      0,
    );
    for (let i = 0; i < z.length; i++) expect(scaled[i]).toBeCloseTo(z[i]!, 5);
  });
});

describe('EulerScheduler#step', () => {
  it('recovers x0 from pure noise with an oracle model in 10 to 50 steps (the last σ is 0)', () => {
    const rng = new Rng(23);
    const x0 = rng.uniformArray(256, -1, 1);
    for (const config of [sd, sdLinspace]) {
      for (const prediction of ['epsilon', 'v_prediction'] as const) {
        for (const steps of [10, 30, 50]) {
          const euler = new EulerScheduler({ ...config, predictionType: prediction });
          euler.setTimesteps(steps);
          const xT = rng.normalArray(256).map((z) => z * euler.initNoiseSigma);
          const out = runSampler(euler, steps, oracleDenoiser(alphasCumprod, x0, prediction), xT);
          for (let i = 0; i < x0.length; i++) expect(Math.abs(out[i]! - x0[i]!)).toBeLessThan(1e-4);
        }
      }
    }
  });

  it('does not mutate its inputs and fails on mismatched lengths', () => {
    const euler = new EulerScheduler(sd);
    euler.setTimesteps(10);
    const sample = Float32Array.from([1, 2, 3]);
    const output = Float32Array.from([0.1, 0.2, 0.3]);
    const next = euler.step(output, 0, sample);
    expect(next).not.toBe(sample);
    expect(Array.from(sample)).toEqual([1, 2, 3]);
    expect(Array.from(output)).toEqual([0.1, 0.2, 0.3].map(Math.fround));
    expect(() => euler.step(new Float32Array(2), 0, sample)).toThrow(RangeError);
    expect(() => euler.step(output, 10, sample)).toThrow(/outside \[0, 9\]/);
  });
});
