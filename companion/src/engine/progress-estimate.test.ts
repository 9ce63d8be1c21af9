import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_SETTINGS_FILE } from './package-settings.ts';
import { estimatePriorsAsync, ProgressEstimator } from './progress-estimate.ts';
import { StepTimes, stepTimesKey } from './step-times.ts';

describe('ProgressEstimator', () => {
  it('says nothing until a stage has three steps after its first, then extrapolates from their mean', () => {
    let now = 0;
    const estimator = new ProgressEstimator(
      [
        { stage: 'embed', total: 10 },
        { stage: 'finetune', total: 10 },
        { stage: 'sample', total: 30 },
      ],
      () => now,
    );
    expect(estimator.observe('embed', 1, 10)).toBeUndefined();
    // A first interval of 40 s (a warm-up), then two more: no estimate from fewer than three intervals.
    now = 40_000;
    expect(estimator.observe('embed', 2, 10)).toBeUndefined();
    now = 41_000;
    expect(estimator.observe('embed', 3, 10)).toBeUndefined();
    now = 42_000;
    // 14 s per embed step on average: 6 embed steps left, 10 finetune steps at the same cost, 30 sample at 2/3 of it.
    expect(estimator.observe('embed', 4, 10)).toBe(14 * (6 + 10 + 20));
  });

  it("adds the latest stage's start-up to each stage not reached yet", () => {
    let now = 0;
    const estimator = new ProgressEstimator(
      [
        { stage: 'encode', total: 1 },
        { stage: 'embed', total: 10 },
        { stage: 'finetune', total: 10 },
      ],
      () => now,
    );
    estimator.observe('encode', 1, 1);
    // Stage 1 opens its graph for 1.9 s, then steps every 0.1 s.
    now = 2_000;
    estimator.observe('embed', 1, 10);
    for (let step = 2; step <= 4; step++) {
      now += 100;
      estimator.observe('embed', step, 10);
    }
    now += 100;
    // 5 embed steps left and 10 finetune steps at 0.1 s, and stage 2's start-up, taken to be stage 1's 1.9 s.
    expect(estimator.observe('embed', 5, 10)).toBe(3.4);
  });

  it("uses a stage's own step time once it has one", () => {
    let now = 0;
    const estimator = new ProgressEstimator(
      [
        { stage: 'embed', total: 4 },
        { stage: 'sample', total: 8 },
      ],
      () => now,
    );
    for (let step = 1; step <= 4; step++, now += 1000) estimator.observe('embed', step, 4);
    // Sampling steps of 0.5 s, not the 2/3 s the embed rate predicts, once four of them are seen.
    for (let step = 1; step <= 3; step++, now += 500) estimator.observe('sample', step, 8);
    expect(estimator.observe('sample', 4, 8)).toBe(2);
  });

  it("estimates stages not reached yet from this machine's earlier step times, scaled by how fast it runs now", () => {
    let now = 0;
    // Earlier: embed 1 s, finetune 2 s, sample 0.25 s a step. Now the machine runs at half speed: embed 2 s a step.
    const estimator = new ProgressEstimator(
      [
        { stage: 'embed', total: 10 },
        { stage: 'finetune', total: 10 },
        { stage: 'sample', total: 20 },
      ],
      () => now,
      { embed: 1, finetune: 2, sample: 0.25 },
    );
    for (let step = 1; step <= 4; step++, now += 2000) estimator.observe('embed', step, 10);
    now -= 2000;
    // 6 embed steps at 2 s, 10 finetune at 2 × 2 s, 20 sample at 2 × 0.25 s.
    expect(estimator.observe('embed', 4, 10)).toBe(6 * 2 + 10 * 4 + 20 * 0.5);
    expect(estimator.rates()).toEqual({ embed: 2 });
  });
});

describe('estimatePriorsAsync', () => {
  it("takes this machine's step times of the model, else the relative ones its package states", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagic-priors-'));
    try {
      await writeFile(
        join(dir, PACKAGE_SETTINGS_FILE),
        JSON.stringify({ train: {}, cost: { stepTimes: { embed: 1, finetune: 2, sample: 0.5 } }, reason: 'measured' }),
      );
      const times = new StepTimes(join(dir, 'data'));
      const key = stepTimesKey('m', 'cpu');
      expect(await estimatePriorsAsync(times, key, dir)).toEqual({ embed: 1, finetune: 2, sample: 0.5 });
      await times.recordAsync(key, { embed: 0.01 });
      expect(await estimatePriorsAsync(times, key, dir)).toEqual({ embed: 0.01 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
