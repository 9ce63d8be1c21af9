// Stage 3 from the layer's edit-friendly DDPM inversion (engine/stage-inversion.ts) on a tiny package, after a short
// training: at η = 0 it retraces the layer (what the VAE gives back of it), whatever the seed and the guidance, since
// its noise maps are built to take each step to the layer's own noisy copy; at η = 1 the text moves it; seeds draw
// their own maps; a cancelled render stops; the cost and the job's progress count the inversion's pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editCost } from '../../companion/src/engine/cost.ts';
import { ImagicEngine, type TrainedState } from '../../companion/src/engine/imagic-engine.ts';
import type { ProgressEvent } from '../../companion/src/engine/progress.ts';
import { jobPlan } from '../../companion/src/engine/progress-estimate.ts';
import { PRESETS, type SampleSettings } from '../../companion/src/engine/settings.ts';
import { decodeLatentAsync, encodeImageAsync } from '../../companion/src/engine/stage-encode.ts';
import { toModelInput } from '../../companion/src/images/model-input.ts';
import { tempRoot, testPicture, tinyPackage } from './support.ts';

const SAMPLE: SampleSettings = {
  etas: [0, 1],
  seeds: [1, 2],
  steps: 8,
  guidanceScale: 3,
  sampler: 'ddim',
  inversion: true,
};

let root: Awaited<ReturnType<typeof tempRoot>>;
let engine: ImagicEngine;
let state: TrainedState;
const picture = testPicture();

beforeAll(async () => {
  root = await tempRoot('inversion');
  engine = await ImagicEngine.openAsync({ modelDir: (await tinyPackage(root.dir, 'tiny')).dir, provider: 'cpu' });
  const train = { ...PRESETS.standard.train, embedSteps: 5, tuneSteps: 10, seed: 0 };
  state = (await engine.trainAsync(picture, 'a photo of a cat', train)).state;
});
afterAll(async () => {
  await engine?.closeAsync();
  await root?.cleanup();
});

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('sampling from the inversion', () => {
  it('retraces the layer at η = 0 for every seed, and edits away from it at η = 1', async () => {
    const events: ProgressEvent[] = [];
    const out = await engine.renderAsync(state, SAMPLE, { onProgress: (e) => events.push(e) });
    expect(out.map((o) => [o.seed, o.eta])).toEqual([
      [1, 0],
      [1, 1],
      [2, 0],
      [2, 1],
    ]);
    const input = await toModelInput(picture, engine.pkg.imageSize);
    const vae = await decodeLatentAsync(engine.pkg, await encodeImageAsync(engine.pkg, input.pixels));
    for (const o of out.filter((o) => o.eta === 0)) expect(maxDiff(o.pixels, vae)).toBeLessThan(1e-3);
    for (const o of out.filter((o) => o.eta === 1)) expect(maxDiff(o.pixels, vae)).toBeGreaterThan(1e-2);
    // Each seed its own maps: the edits differ.
    expect(maxDiff(out[1]!.pixels, out[3]!.pixels)).toBeGreaterThan(1e-3);
    // Progress counts the inversion's pass as a third run per seed, as the plan does.
    const plan = jobPlan(null, SAMPLE);
    expect(events.at(-1)).toMatchObject({ stage: 'sample', step: plan[0]!.total, total: plan[0]!.total });
    expect(plan[0]!.total).toBe(2 * 8 * 3);
  });

  it('costs one more guided pass per step and seed, and stops when cancelled', async () => {
    const cost = editCost(null, SAMPLE);
    expect(cost.sample).toBe(2 * 8 * 2 * 3);
    const controller = new AbortController();
    let steps = 0;
    const run = engine.renderAsync(state, SAMPLE, {
      signal: controller.signal,
      onProgress: () => {
        if (++steps === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(steps).toBe(3);
  });
});
