// Every producer variant of docs/onnx.md §1.1, as tiny packages: the loader detects it from the declared I/O, and
// the encoders, a UNet forward, the gradient graphs of stages 1–2 and a short render all run on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImagicEngine } from '../../companion/src/engine/imagic-engine.ts';
import { loadPackageAsync } from '../../companion/src/engine/package-loader.ts';
import { SessionPool } from '../../companion/src/engine/session-pool.ts';
import { encodeImageAsync, encodeTextAsync, decodeLatentAsync } from '../../companion/src/engine/stage-encode.ts';
import { floatFeed, output, timestepFeed } from '../../companion/src/engine/tensors.ts';
import { PRESETS } from '../../companion/src/engine/settings.ts';
import { LEARN_DEFAULTS } from '../../companion/src/learn/learn-settings.ts';
import { addLearnedWordsAsync } from '../../companion/src/models/learned-store.ts';
import { convLoraModules } from '../fixtures/lora-modules.ts';
import { layAdapter } from '../../companion/src/learn/subject-adapter.ts';
import { join } from 'node:path';
import type { TinyPackageOptions } from '../../companion/src/fixtures/tiny-package.ts';
import { toModelInput } from '../../companion/src/images/model-input.ts';
import { serializeModel } from '../../companion/src/onnx/model-file.ts';
import { Rng } from '../../companion/src/util/rng.ts';
import { tempRoot, testPicture, tinyPackage } from './support.ts';

const VARIANTS: ReadonlyArray<{
  label: string;
  options: TinyPackageOptions;
  expect: { timestep: string; ids: string; encoder: string; dtype: string };
}> = [
  {
    label: 'early diffusers script: int64 [B] timestep, int32 input_ids, sampled latent_sample',
    options: { timestepInput: 'int64[B]', inputIds: 'int32', vaeEncoderOutput: 'latent_sample' },
    expect: { timestep: 'int64[B]', ids: 'int32', encoder: 'latent_sample', dtype: 'float32' },
  },
  {
    label: 'later diffusers script / Olive: float [B] timestep, external weights.pb, in-graph shape plumbing',
    options: {
      timestepInput: 'float[B]',
      inputIds: 'int32',
      vaeEncoderOutput: 'latent_sample',
      externalWeights: true,
      dynamicShapes: true,
    },
    expect: { timestep: 'float[B]', ids: 'int32', encoder: 'latent_sample', dtype: 'float32' },
  },
  {
    label: 'optimum < 1.23: int64 [B] timestep, int64 input_ids',
    options: { timestepInput: 'int64[B]', inputIds: 'int64', vaeEncoderOutput: 'latent_sample' },
    expect: { timestep: 'int64[B]', ids: 'int64', encoder: 'latent_sample', dtype: 'float32' },
  },
  {
    label: 'optimum ≥ 1.24: float 0-d timestep, int64 input_ids, latent_parameters',
    options: { timestepInput: 'float-scalar', inputIds: 'int64', vaeEncoderOutput: 'latent_parameters' },
    expect: { timestep: 'float-scalar', ids: 'int64', encoder: 'latent_parameters', dtype: 'float32' },
  },
  {
    label: 'fp16 export: every model in float16',
    options: { dtype: 'float16', timestepInput: 'float[B]', inputIds: 'int32', vaeEncoderOutput: 'latent_parameters' },
    expect: { timestep: 'float[B]', ids: 'int32', encoder: 'latent_parameters', dtype: 'float16' },
  },
];

let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempRoot('variants');
});
afterAll(async () => root.cleanup());

const finite = (values: Float32Array) => values.every(Number.isFinite);

describe.each(VARIANTS)('$label', ({ label, options, expect: want }) => {
  it('is detected from its declared I/O, and the encoders, a UNet forward and the decoder run', async () => {
    const pkg = await tinyPackage(root.dir, label.replace(/\W+/g, '-'), options);
    const pool = new SessionPool({ provider: 'cpu' });
    try {
      const loaded = await loadPackageAsync(pkg.dir, pool);
      expect(loaded.unet.variant.timestepVariant).toBe(want.timestep);
      expect(loaded.textEncoder.variant.inputIds.dtype).toBe(want.ids);
      expect(loaded.vaeEncoder.variant.output.name).toBe(want.encoder);
      expect(loaded.unet.variant.dtype).toBe(want.dtype);
      expect(loaded.vaeDecoder.variant.dtype).toBe(want.dtype);
      expect(loaded.imageSize).toEqual({ width: 64, height: 64 });
      expect(loaded.sequenceLength).toBe(8);

      const e = await encodeTextAsync(loaded, 'a photo of a cat');
      expect(e.length).toBe(8 * 32);
      expect(finite(e)).toBe(true);
      const input = await toModelInput(testPicture(), loaded.imageSize);
      const z0 = await encodeImageAsync(loaded, input.pixels);
      expect(z0.length).toBe(4 * 8 * 8);
      // A sampling encoder is rewritten to its posterior mean: encoding twice gives the same latent.
      expect(await encodeImageAsync(loaded, input.pixels)).toEqual(z0);

      const unet = await pool.getAsync('forward', () => ({
        kind: 'bytes',
        bytes: serializeModel(loaded.unet.model),
        baseDir: loaded.unet.model.baseDir,
      }));
      const sample = new Rng(3).normalArray(z0.length);
      const results = await unet.runAsync({
        sample: floatFeed(unet.input('sample')!, sample, loaded.latentDims),
        timestep: timestepFeed(unet.input('timestep')!, 500),
        encoder_hidden_states: floatFeed(unet.input('encoder_hidden_states')!, e, [1, 8, 32]),
      });
      const eps = output(results, 'out_sample');
      expect(eps.length).toBe(z0.length);
      expect(finite(eps)).toBe(true);
      // The tiny VAE round trip is an 8×8 block average of the input (tiny-vae.ts): 22.6 dB in fp32.
      const pixels = await decodeLatentAsync(loaded, z0);
      expect(pixels.length).toBe(3 * 64 * 64);
      const mse = pixels.reduce((s, v, i) => s + (v - input.pixels[i]!) ** 2, 0) / pixels.length;
      expect(10 * Math.log10(4 / mse)).toBeGreaterThan(20);
    } finally {
      await pool.closeAsync();
    }
  });

  it('runs both training stages and a render', async () => {
    const pkg = await tinyPackage(root.dir, `${label.replace(/\W+/g, '-')}-train`, options);
    const engine = await ImagicEngine.openAsync({ modelDir: pkg.dir, provider: 'cpu' });
    try {
      const { state } = await engine.trainAsync(testPicture(), 'a photo of a dog', {
        ...PRESETS.fast.train,
        embedSteps: 2,
        tuneSteps: 2,
        seed: 1,
      });
      expect(state.losses.embed).toHaveLength(2);
      expect(state.losses.finetune).toHaveLength(2);
      expect([...state.losses.embed, ...state.losses.finetune].every(Number.isFinite)).toBe(true);
      const [image] = await engine.renderAsync(state, {
        etas: [0.7],
        seeds: [1],
        steps: 2,
        guidanceScale: 3,
        sampler: 'ddim',
      });
      expect(image!.rgba.length).toBe(64 * 64 * 4);
    } finally {
      await engine.closeAsync();
    }
  });

  it('runs an Imagic edit with a subject adapter folded into its UNet (weights inline, external or fp16)', async () => {
    const pkg = await tinyPackage(root.dir, `${label.replace(/\W+/g, '-')}-subject`, options);
    const engine = await ImagicEngine.openAsync({ modelDir: pkg.dir, provider: 'cpu' });
    try {
      const modules = convLoraModules(engine.pkg.unet.model, 3, 2, new Rng(9));
      const laid = layAdapter(engine.pkg, { token: '<s>', digest: '0123456789abcdef', modules });
      const train = { ...PRESETS.fast.train, embedSteps: 2, tuneSteps: 2, seed: 1 };
      const sample = { etas: [0.7], seeds: [1], steps: 2, guidanceScale: 3, sampler: 'ddim' as const };
      const edit = async (e: ImagicEngine) => {
        const { state } = await e.trainAsync(testPicture(), 'a photo of a dog', train);
        return { state, image: (await e.renderAsync(state, sample))[0]! };
      };
      const plain = await edit(engine);
      const subject = await edit(engine.withSubject(laid));
      expect(subject.state.subject).toEqual({ token: '<s>', digest: '0123456789abcdef' });
      expect(subject.state.losses.finetune.every(Number.isFinite)).toBe(true);
      expect(Buffer.compare(Buffer.from(subject.image.rgba), Buffer.from(plain.image.rgba))).not.toBe(0);
      // A render needs the engine its edit was trained on.
      await expect(engine.renderAsync(subject.state, sample)).rejects.toThrow(/withSubject/);
    } finally {
      await engine.closeAsync();
    }
  });

  it('learns a word (Textual Inversion) that an engine opened afterwards reads in a prompt', async () => {
    const pkg = await tinyPackage(root.dir, `${label.replace(/\W+/g, '-')}-learn`, options);
    const dataDir = join(root.dir, `${label.replace(/\W+/g, '-')}-data`);
    const engine = await ImagicEngine.openAsync({ modelDir: pkg.dir, provider: 'cpu' });
    const request = {
      images: [testPicture(), testPicture(64, 64, true), testPicture(48, 48)],
      token: '<w>',
      initWord: 'cat',
      settings: { ...LEARN_DEFAULTS, templates: ['a {}'], steps: 3, lr: 0.1, seed: 2 },
    };
    let before: Float32Array;
    try {
      const learned = await engine.learnEmbeddingAsync(request);
      expect(learned.losses.every(Number.isFinite)).toBe(true);
      // It starts from the initializer's row (read from the table in its own dtype) and moves.
      before = await encodeTextAsync(engine.pkg, 'a cat');
      await addLearnedWordsAsync(dataDir, pkg.dir, learned.word.vector.length, [learned.word], () => false);
    } finally {
      await engine.closeAsync();
    }
    const pool = new SessionPool({ provider: 'cpu' });
    try {
      const loaded = await loadPackageAsync(pkg.dir, pool, { dataDir });
      expect(loaded.learnedWords.map((w) => w.token)).toEqual(['<w>']);
      const withWord = await encodeTextAsync(loaded, 'a <w>');
      expect(finite(withWord)).toBe(true);
      expect(Math.max(...withWord.map((v, i) => Math.abs(v - before[i]!)))).toBeGreaterThan(1e-3);
    } finally {
      await pool.closeAsync();
    }
  });
});
