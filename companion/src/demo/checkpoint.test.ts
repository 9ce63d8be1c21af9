import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configHash, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { DEMO_CONFIG } from './demo-config.ts';
import { initialState, learningRate, optimizerStep } from './optimizer.ts';

const dir = await mkdtemp(join(tmpdir(), 'imagic-demo-checkpoint-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

const params = new Map([
  ['a', { init: Float32Array.from([1, 2, 3]) }],
  ['b', { init: Float32Array.from([-1, 0.5]) }],
]);

describe('checkpoints', () => {
  it('restore the optimiser state exactly, so a resumed run continues where it stopped', async () => {
    const state = initialState(params);
    const grads = new Map([
      ['a', Float32Array.from([0.1, -0.2, 0.3])],
      ['b', Float32Array.from([1, -1])],
    ]);
    optimizerStep(state, grads, DEMO_CONFIG.train);
    const path = join(dir, 'ck.bin');
    await saveCheckpoint(path, DEMO_CONFIG, state, { losses: [{ step: 1, loss: 0.5 }], wallMs: 10, cpuMs: 20 });
    const loaded = (await loadCheckpoint(path, DEMO_CONFIG))!;
    expect(loaded.state.step).toBe(1);
    for (const group of ['params', 'm', 'v', 'ema'] as const) expect(loaded.state[group]).toEqual(state[group]);
    expect(loaded.history.losses).toEqual([{ step: 1, loss: 0.5 }]);
    optimizerStep(state, grads, DEMO_CONFIG.train);
    optimizerStep(loaded.state, grads, DEMO_CONFIG.train);
    expect(loaded.state.params).toEqual(state.params);
  });

  it('are refused under another config, but not for a different step count', async () => {
    const path = join(dir, 'other.bin');
    await saveCheckpoint(path, DEMO_CONFIG, initialState(params), { losses: [], wallMs: 0, cpuMs: 0 });
    const longer = { ...DEMO_CONFIG, train: { ...DEMO_CONFIG.train, steps: DEMO_CONFIG.train.steps * 2 } };
    expect(configHash(longer)).toBe(configHash(DEMO_CONFIG));
    await expect(loadCheckpoint(path, { ...DEMO_CONFIG, train: { ...DEMO_CONFIG.train, lr: 1 } })).rejects.toThrow(
      /another demo config/,
    );
  });

  it('are absent until the first save', async () => {
    expect(await loadCheckpoint(join(dir, 'missing.bin'), DEMO_CONFIG)).toBeUndefined();
  });
});

describe('learningRate', () => {
  it('warms up linearly, peaks, and decays along a cosine to the floor', () => {
    const c = DEMO_CONFIG.train;
    expect(learningRate(c, 0)).toBeCloseTo(c.lr / c.warmupSteps);
    expect(learningRate(c, c.warmupSteps)).toBeCloseTo(c.lr);
    expect(learningRate(c, c.steps)).toBeCloseTo(c.lr * c.finalLrFraction);
  });
});
