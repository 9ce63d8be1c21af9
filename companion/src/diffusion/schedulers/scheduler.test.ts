// Every row of the sampler table against the shared contract, and against data whose answer is known in closed
// form: for x0 ~ N(μ, s²) the exact model is linear (test-support.ts), so a correct sampler maps the marginal at
// its first timestep onto the true marginal at its last noise level, up to its discretisation error.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng.ts';
import { applyLinearStep } from './linear-step.ts';
import { type SchedulerName, schedulers } from './samplers.ts';
import { parseSchedulerConfig } from './scheduler-config.ts';
import {
  alphaBarAt,
  closedFormAlphasCumprod,
  gaussianDenoiser,
  oracleDenoiser,
  pushGaussian,
  SD15_SCHEDULER_JSON,
} from './test-support.ts';

const sdJson = SD15_SCHEDULER_JSON as Record<string, unknown>;
const sd = parseSchedulerConfig(sdJson);
const alphasCumprod = closedFormAlphasCumprod('scaled_linear', 0.00085, 0.012, 1000);
const names = Object.keys(schedulers) as SchedulerName[];

/** ᾱ of the sample each sampler returns for SD 1.5: DDIM stops at ᾱ_0 (set_alpha_to_one false); the others at σ = 0. */
const finalAlphaBar: Record<SchedulerName, number> = {
  ddim: alphasCumprod[0]!,
  euler: 1,
  dpmpp2m: 1,
  'dpmpp2m-karras': 1,
};

describe('schedulers table', () => {
  it('has the four samplers', () => {
    expect(names.sort()).toEqual(['ddim', 'dpmpp2m', 'dpmpp2m-karras', 'euler']);
  });

  for (const name of names) {
    describe(name, () => {
      it('gives n distinct descending timesteps inside the train range, for every spacing', () => {
        for (const timestep_spacing of ['leading', 'trailing', 'linspace']) {
          const scheduler = schedulers[name](parseSchedulerConfig({ ...sdJson, timestep_spacing }));
          for (const n of [1, 7, 20, 50, 500]) {
            scheduler.setTimesteps(n);
            const steps = scheduler.timesteps;
            expect(steps).toHaveLength(n);
            expect(steps.every((t, i) => t >= 0 && t <= 999 && (i === 0 || t < steps[i - 1]!))).toBe(true);
          }
        }
      });

      it('refuses to step before setTimesteps and past the last step', () => {
        const scheduler = schedulers[name](sd);
        expect(() => scheduler.step(new Float32Array(4), 0, new Float32Array(4))).toThrow(/setTimesteps/);
        scheduler.setTimesteps(5);
        expect(() => scheduler.scaleModelInput(new Float32Array(4), 5)).toThrow(RangeError);
        expect(() => scheduler.setTimesteps(0)).toThrow(RangeError);
      });

      it('returns new arrays and leaves its inputs alone', () => {
        const scheduler = schedulers[name](sd);
        scheduler.setTimesteps(10);
        const rng = new Rng(41);
        const sample = rng.normalArray(8);
        const output = rng.normalArray(8);
        const [sampleCopy, outputCopy] = [sample.slice(), output.slice()];
        scheduler.scaleModelInput(sample, 0);
        const next = scheduler.step(output, 0, sample);
        expect(next).toBeInstanceOf(Float32Array);
        expect(next).toHaveLength(8);
        expect(next).not.toBe(sample);
        expect(sample).toEqual(sampleCopy);
        expect(output).toEqual(outputCopy);
      });

      for (const prediction of ['epsilon', 'v_prediction'] as const) {
        it(`has the same whole run as scalars of a linear map, without touching its state (${prediction})`, () => {
          // The sampling graph applies linearStep's scalars on the device (engine/denoising-step.ts); a run that
          // carries only the sample and the last x0 must match step() at every step, history and all.
          for (const clipSample of [false, true]) {
            const config = { ...sd, predictionType: prediction, clipSample, clipSampleRange: 0.8 };
            const [byStep, byMap] = [schedulers[name](config), schedulers[name](config)];
            const steps = 12;
            byStep.setTimesteps(steps);
            byMap.setTimesteps(steps);
            const rng = new Rng(7);
            let a: Float32Array = rng.normalArray(64, byStep.initNoiseSigma);
            let b: Float32Array = a.slice();
            let previous: Float32Array | undefined;
            for (let i = 0; i < steps; i++) {
              const output = rng.normalArray(64);
              const input = byStep.scaleModelInput(a, i);
              const c = byMap.linearStep(i, i === 0)!;
              expect(Math.max(...input.map((x, k) => Math.abs(x - c.input * b[k]!)))).toBeLessThan(1e-6);
              a = byStep.step(output, i, a);
              const applied = applyLinearStep(c, b, output, previous);
              [b, previous] = [applied.next, applied.x0];
              const scale = Math.max(...a.map(Math.abs));
              expect(Math.max(...a.map((x, k) => Math.abs(x - b[k]!))) / scale, `step ${i}`).toBeLessThan(1e-6);
            }
            // byMap never stepped, so a history-keeping sampler has none: its step 0 still works, step 1 is refused.
            expect(() => byMap.step(rng.normalArray(64), 0, rng.normalArray(64))).not.toThrow();
          }
        });

        it(`recovers x0 from the middle of the schedule with the oracle, from its own noisedSample (${prediction})`, () => {
          // SDEdit starts a run at step k from x0 noised to that step's level; with the exact ε the run must land on
          // x0 (DDIM: on x0 noised to its final level ᾱ_0, with the same ε).
          const config = { ...sd, predictionType: prediction };
          const scheduler = schedulers[name](config);
          scheduler.setTimesteps(12);
          const rng = new Rng(3);
          const [x0, noise] = [rng.normalArray(64, 0.5), rng.normalArray(64)];
          const model = oracleDenoiser(alphasCumprod, x0, prediction);
          for (const start of [0, 5, 11]) {
            let x = scheduler.noisedSample(x0, noise, start);
            // What the model sees is the forward process at the step's timestep: sqrt(ᾱ_t)·x0 + sqrt(1 − ᾱ_t)·ε.
            const ab = alphaBarAt(alphasCumprod, scheduler.timesteps[start]!);
            const input = scheduler.scaleModelInput(x, start);
            const forward = x0.map((v, i) => Math.sqrt(ab) * v + Math.sqrt(1 - ab) * noise[i]!);
            expect(Math.max(...input.map((v, i) => Math.abs(v - forward[i]!))), `input at step ${start}`).toBeLessThan(
              2e-3,
            );
            for (let i = start; i < scheduler.timesteps.length; i++) {
              x = scheduler.step(model(scheduler.scaleModelInput(x, i), scheduler.timesteps[i]!), i, x);
            }
            const a2 = finalAlphaBar[name];
            const expected = x0.map((v, i) => Math.sqrt(a2) * v + Math.sqrt(1 - a2) * noise[i]!);
            expect(Math.max(...x.map((v, i) => Math.abs(v - expected[i]!))), `from step ${start}`).toBeLessThan(2e-4);
            scheduler.setTimesteps(12);
          }
        });

        it(`converges to the true marginal of Gaussian data (${prediction})`, () => {
          const mu = 0.5;
          const s = 1;
          const model = gaussianDenoiser(alphasCumprod, mu, s, prediction);
          const config = { ...sd, predictionType: prediction };
          const a2 = finalAlphaBar[name];
          const target = { mean: Math.sqrt(a2) * mu, std: Math.sqrt(a2 * s * s + 1 - a2) };
          const relativeStdError = (steps: number, start: 'marginal' | 'pure noise'): number => {
            const scheduler = schedulers[name](config);
            scheduler.setTimesteps(steps);
            const ab = alphasCumprod[scheduler.timesteps[0]!]!;
            // With SD's "leading" spacing initNoiseSigma = sqrt(σ² + 1) = 1/sqrt(ᾱ) converts the variance-preserving
            // x_t into each sampler's own variable (x_t itself for DDIM and DPM-Solver++, x_t/sqrt(ᾱ) for Euler).
            const scale = scheduler.initNoiseSigma;
            const initial =
              start === 'marginal'
                ? { mean: scale * Math.sqrt(ab) * mu, std: scale * Math.sqrt(ab * s * s + 1 - ab) }
                : { mean: 0, std: scale };
            const got = pushGaussian(scheduler, steps, model, initial);
            // Pure noise drops the data's share sqrt(ᾱ)·μ of x_T; with s = 1 that offset carries through to the end.
            const meanTolerance = start === 'marginal' ? 1e-5 : 1.05 * Math.sqrt(ab) * mu;
            expect(Math.abs(got.mean - target.mean)).toBeLessThan(meanTolerance);
            return Math.abs(got.std - target.std) / target.std;
          };
          const errors = [10, 50, 200].map((steps) => relativeStdError(steps, 'marginal'));
          expect(errors[1]).toBeLessThan(errors[0]!);
          expect(errors[2]).toBeLessThan(errors[1]!);
          expect(errors[1]).toBeLessThan(0.04);
          expect(errors[2]).toBeLessThan(0.012);
          // From the pipeline's start, initNoiseSigma·N(0, I), which ignores the data's tiny share of x_T.
          expect(relativeStdError(200, 'pure noise')).toBeLessThan(0.015);
        });
      }
    });
  }
});
