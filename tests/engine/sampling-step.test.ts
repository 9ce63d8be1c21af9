// Stage 3's step as one graph (denoising-step.ts): the UNet, guidance and the sampler's update run in the session,
// and the latent stays there between steps. Checked against the host loop it replaces (the plain sampling UNet, the
// guidance sum and scheduler.step on the host) for every sampler and DDIM's x0 clipping, and the guided pair's three forms (one batch-2 UNet,
// two batch-1 copies in one graph, and a single prediction at g = 1) against each other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initAdapterValues } from '../../companion/src/autodiff/adapters.ts';
import { schedulers, type SchedulerName } from '../../companion/src/diffusion/schedulers/samplers.ts';
import { adapterPatterns } from '../../companion/src/engine/adapter-targets.ts';
import { loadPackageAsync, type ImagicPackage } from '../../companion/src/engine/package-loader.ts';
import { SessionPool } from '../../companion/src/engine/session-pool.ts';
import { PRESETS, type SampleSettings } from '../../companion/src/engine/settings.ts';
import { decodeLatentAsync } from '../../companion/src/engine/stage-encode.ts';
import { interpolateEmbedding, sampleAllAsync, type Embeddings } from '../../companion/src/engine/stage-sample.ts';
import { floatFeed, output, timestepFeed } from '../../companion/src/engine/tensors.ts';
import {
  adapterLayout,
  EMBEDDING_INPUT,
  predictionsFor,
  samplingModel,
  samplingSessionAsync,
  UNET_OUTPUT,
  type AdapterSpec,
} from '../../companion/src/engine/unet-graphs.ts';
import { serializeModel } from '../../companion/src/onnx/model-file.ts';
import { denoisingStepModel } from '../../companion/src/engine/denoising-step.ts';
import type { Graph } from '../../companion/src/graph/ir.ts';
import { numel } from '../../companion/src/graph/tensor.ts';
import { Rng } from '../../companion/src/util/rng.ts';
import { tempRoot, tinyPackage } from './support.ts';

let root: Awaited<ReturnType<typeof tempRoot>>;
const pool = new SessionPool({ provider: 'cpu' });

beforeAll(async () => {
  root = await tempRoot('sampling-step');
});
afterAll(async () => {
  await pool.closeAsync();
  await root?.cleanup();
});

const train = PRESETS.community.train;
const spec: AdapterSpec = {
  targets: adapterPatterns(train.adapterTargets),
  rank: train.adapterRank,
  alpha: train.adapterAlpha,
};

/** Trained-looking adapters and embeddings for `pkg`, from a seed. */
function editState(pkg: ImagicPackage) {
  const rng = new Rng(9);
  const values = new Map(
    [...initAdapterValues(adapterLayout(pkg, spec).adapters, 1)].map(([k, v]) => [k, rng.normalArray(v.length, 0.05)]),
  );
  const n = numel(pkg.unet.inputShapes[EMBEDDING_INPUT]!);
  const e: Embeddings = { target: rng.normalArray(n), optimized: rng.normalArray(n), empty: rng.normalArray(n) };
  return { values, e };
}

/** The loop the step graph replaces: the merged UNet at batch 1, guidance and scheduler.step on the host. */
async function hostLoop(
  pkg: ImagicPackage,
  values: ReadonlyMap<string, Float32Array>,
  e: Embeddings,
  s: SampleSettings,
): Promise<Float32Array> {
  const model = samplingModel(pkg.unet.model, spec, values, 'merged');
  const unet = await pool.getAsync(`host-loop:${Math.random()}`, () => ({
    kind: 'bytes',
    bytes: serializeModel(model),
    baseDir: model.baseDir,
  }));
  const scheduler = schedulers[s.sampler](pkg.scheduler);
  scheduler.setTimesteps(s.steps);
  const rng = new Rng(s.seeds[0]!);
  let z = rng.normalArray(numel(pkg.latentDims), scheduler.initNoiseSigma);
  const cond = interpolateEmbedding(e, s.etas[0]!);
  const g = s.guidanceScale;
  const ehsDims = pkg.unet.inputShapes[EMBEDDING_INPUT]!;
  for (let i = 0; i < scheduler.timesteps.length; i++) {
    const predict = async (ehs: Float32Array) =>
      output(
        await unet.runAsync({
          sample: floatFeed(unet.input('sample')!, scheduler.scaleModelInput(z, i).slice(), [...pkg.latentDims]),
          timestep: timestepFeed(unet.input('timestep')!, scheduler.timesteps[i]!),
          [EMBEDDING_INPUT]: floatFeed(unet.input(EMBEDDING_INPUT)!, ehs.slice(), [...ehsDims]),
        }),
        UNET_OUTPUT,
      );
    const [u, c] = [await predict(e.empty), await predict(cond)];
    z = scheduler.step(
      u.map((x, k) => (1 - g) * x + g * c[k]!),
      i,
      z,
    );
  }
  return decodeLatentAsync(pkg, z);
}

const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe('the sampling step graph', () => {
  it('samples what the host loop samples, with every sampler', { timeout: 120_000 }, async () => {
    const pkg = await loadPackageAsync((await tinyPackage(root.dir, 'dynamic', { dynamicShapes: true })).dir, pool);
    const { values, e } = editState(pkg);
    const step = await samplingSessionAsync(pkg, pool, { spec, values, mode: 'merged' }, 'pair');
    for (const sampler of Object.keys(schedulers) as SchedulerName[]) {
      const sample: SampleSettings = { etas: [0.7], seeds: [4], steps: 5, guidanceScale: 3, sampler };
      const [graph] = await sampleAllAsync(pkg, step, e, sample);
      const host = await hostLoop(pkg, values, e, sample);
      expect(maxDiff(graph!.pixels, host), sampler).toBeLessThan(1e-4);
      expect(Math.max(...host.map(Math.abs)), sampler).toBeGreaterThan(0.01);
    }
    // A pixel-space config's x0 clipping (DDIM's clip_sample), tight enough to bind.
    const clipped = { ...pkg, scheduler: { ...pkg.scheduler, clipSample: true, clipSampleRange: 0.3 } };
    const sample: SampleSettings = { etas: [0.7], seeds: [4], steps: 5, guidanceScale: 3, sampler: 'ddim' };
    const [graph] = await sampleAllAsync(clipped, step, e, sample);
    const host = await hostLoop(clipped, values, e, sample);
    expect(maxDiff(graph!.pixels, host)).toBeLessThan(1e-4);
    expect(maxDiff(host, await hostLoop(pkg, values, e, sample))).toBeGreaterThan(0.01);
  });

  it(
    'gives the same images from one batch-2 UNet and from two batch-1 copies, with and without fading adapters',
    { timeout: 60_000 },
    async () => {
      const pkg = await loadPackageAsync((await tinyPackage(root.dir, 'dynamic', { dynamicShapes: true })).dir, pool);
      expect(pkg.unet.guided()?.graph.outputs[0]?.dims[0]).toBe(2);
      const { values, e } = editState(pkg);
      const plain: SampleSettings = { etas: [0.7], seeds: [4], steps: 4, guidanceScale: 3, sampler: 'ddim' };
      for (const [mode, sample] of [
        ['merged', plain],
        ['scaled', { ...plain, lateAdapters: { from: 0.5, scale: 0.3 } }],
      ] as const) {
        const images = [];
        for (const predictions of ['pair', 'twice'] as const) {
          const step = await samplingSessionAsync(pkg, pool, { spec, values, mode }, predictions);
          expect(step.session.input(EMBEDDING_INPUT)!.dims[0]).toBe(2);
          images.push((await sampleAllAsync(pkg, step, e, sample))[0]!.pixels);
        }
        const [pair, twice] = images as [Float32Array, Float32Array];
        expect(maxDiff(pair, twice), mode).toBeLessThan(1e-4);
        expect(Math.max(...pair.map(Math.abs))).toBeGreaterThan(0.01);
      }
      // g = 1 needs the conditional prediction only: one UNet at batch 1, the same image as the pair with w_u = 0.
      const single = { ...plain, guidanceScale: 1 };
      expect(predictionsFor(pkg, 1)).toBe('single');
      const one = await sampleAllAsync(
        pkg,
        await samplingSessionAsync(pkg, pool, { spec, values, mode: 'merged' }, 'single'),
        e,
        single,
      );
      const both = await sampleAllAsync(
        pkg,
        await samplingSessionAsync(pkg, pool, { spec, values, mode: 'merged' }, 'pair'),
        e,
        single,
      );
      expect(maxDiff(one[0]!.pixels, both[0]!.pixels)).toBeLessThan(1e-4);
    },
  );

  it(
    'runs the pair as two copies where the export fixed its batch at 1, sharing their weights',
    { timeout: 60_000 },
    async () => {
      const pkg = await loadPackageAsync((await tinyPackage(root.dir, 'static')).dir, pool);
      expect(pkg.unet.guided()).toBeNull();
      expect(predictionsFor(pkg, 3)).toBe('twice');
      const { values, e } = editState(pkg);
      const sample: SampleSettings = { etas: [0.7], seeds: [4], steps: 3, guidanceScale: 3, sampler: 'dpmpp2m' };
      const [graph] = await sampleAllAsync(
        pkg,
        await samplingSessionAsync(pkg, pool, { spec, values, mode: 'merged' }, 'twice'),
        e,
        sample,
      );
      expect(maxDiff(graph!.pixels, await hostLoop(pkg, values, e, sample))).toBeLessThan(1e-4);
      // One set of weights, and the adapters' merge into them (nodes of initializers alone) built once, not per copy.
      const unet = samplingModel(pkg.unet.model, spec, values, 'merged');
      const [one, two] = (['single', 'twice'] as const).map((p) => denoisingStepModel(unet, p).model.graph);
      const weights = (g: Graph) => [...g.initializers.values()].filter((i) => numel(i.dims) > 16).length;
      const folds = (g: Graph) =>
        g.nodes.filter((n) => n.inputs.length > 0 && n.inputs.every((x) => g.initializers.has(x))).length;
      expect(folds(one!)).toBeGreaterThan(0);
      expect([weights(two!), folds(two!)]).toEqual([weights(one!), folds(one!)]);
      expect(two!.nodes.length).toBeGreaterThan(1.9 * (one!.nodes.length - folds(one!)));
    },
  );
});
