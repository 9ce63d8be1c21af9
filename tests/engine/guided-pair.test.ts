// Classifier-free guidance's two predictions as one batch-2 run: the same images as two batch-1 runs, used where the
// export can take a batch of 2 (dynamic batch), and not where it fixed its batch at 1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initAdapterValues } from '../../companion/src/autodiff/adapters.ts';
import { adapterPatterns } from '../../companion/src/engine/adapter-targets.ts';
import { loadPackageAsync } from '../../companion/src/engine/package-loader.ts';
import { SessionPool } from '../../companion/src/engine/session-pool.ts';
import { PRESETS, type SampleSettings } from '../../companion/src/engine/settings.ts';
import { sampleAllAsync, type Embeddings } from '../../companion/src/engine/stage-sample.ts';
import { adapterLayout, samplingSessionAsync, type AdapterSpec } from '../../companion/src/engine/unet-graphs.ts';
import { numel } from '../../companion/src/graph/tensor.ts';
import { Rng } from '../../companion/src/util/rng.ts';
import { tempRoot, tinyPackage } from './support.ts';

let root: Awaited<ReturnType<typeof tempRoot>>;
const pool = new SessionPool({ provider: 'cpu' });

beforeAll(async () => {
  root = await tempRoot('guided-pair');
});
afterAll(async () => {
  await pool.closeAsync();
  await root?.cleanup();
});

describe('the guided pair as one batch-2 run', () => {
  it('gives the images of two batch-1 runs, with and without fading adapters', { timeout: 60_000 }, async () => {
    const pkg = await loadPackageAsync((await tinyPackage(root.dir, 'dynamic', { dynamicShapes: true })).dir, pool);
    expect(pkg.unet.guided()?.graph.outputs[0]?.dims[0]).toBe(2);
    const train = PRESETS.community.train;
    const spec: AdapterSpec = { targets: adapterPatterns(train.adapterTargets), rank: train.adapterRank, alpha: train.adapterAlpha };
    const rng = new Rng(9);
    const values = new Map([...initAdapterValues(adapterLayout(pkg, spec).adapters, 1)].map(([k, v]) => [k, rng.normalArray(v.length, 0.05)]));
    const n = numel(pkg.unet.inputShapes['encoder_hidden_states']!);
    const e: Embeddings = { target: rng.normalArray(n), optimized: rng.normalArray(n), empty: rng.normalArray(n) };
    const plain: SampleSettings = { etas: [0.7], seeds: [4], steps: 4, guidanceScale: 3, sampler: 'ddim' };
    for (const [mode, sample] of [['merged', plain], ['scaled', { ...plain, lateAdapters: { from: 0.5, scale: 0.3 } }]] as const) {
      const images = [];
      for (const batch of [1, 2] as const) {
        const unet = await samplingSessionAsync(pkg, pool, spec, values, mode, batch);
        expect(unet.session.input('sample')!.dims[0]).toBe(batch);
        images.push((await sampleAllAsync(pkg, { session: unet.session, batch }, e, sample))[0]!.pixels);
      }
      const [one, two] = images as [Float32Array, Float32Array];
      const diff = Math.max(...one.map((v, i) => Math.abs(v - two[i]!)));
      expect(diff, mode).toBeLessThan(1e-4);
      expect(Math.max(...one.map(Math.abs))).toBeGreaterThan(0.01);
    }
  });

  it('is not offered by an export whose batch is fixed at 1', async () => {
    const pkg = await loadPackageAsync((await tinyPackage(root.dir, 'static')).dir, pool);
    expect(pkg.unet.guided()).toBeNull();
  });
});
