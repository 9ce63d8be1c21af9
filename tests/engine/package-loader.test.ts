// The package loader's refusals and config reading: missing files are listed in one coded error, the VAE scaling
// factor comes from the configs (default only when none names one), and onnxruntime-optimised UNets are refused.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackageAsync } from '../../companion/src/engine/package-loader.ts';
import { DEFAULT_VAE_SCALING_FACTOR, readVaeScalingFactor } from '../../companion/src/models/package-files.ts';
import { SessionPool } from '../../companion/src/engine/session-pool.ts';
import { readModel, writeModel } from '../../companion/src/onnx/model-file.ts';
import { encodeImageAsync } from '../../companion/src/engine/stage-encode.ts';
import { toModelInput } from '../../companion/src/images/model-input.ts';
import { buildPixelVaeDecoder, buildPixelVaeEncoder } from '../../companion/src/demo/pixel-vae.ts';
import { decodeLatentAsync } from '../../companion/src/engine/stage-encode.ts';
import { tinyUNetConfig } from '../../companion/src/model-builder/unet-config.ts';
import { tempRoot, testPicture, tinyPackage } from './support.ts';

let root: Awaited<ReturnType<typeof tempRoot>>;
beforeAll(async () => {
  root = await tempRoot('loader');
});
afterAll(async () => root.cleanup());

async function load(dir: string) {
  const pool = new SessionPool({ provider: 'cpu' });
  try {
    return await loadPackageAsync(dir, pool);
  } finally {
    await pool.closeAsync();
  }
}

describe('#loadPackageAsync', () => {
  it('lists every missing file in one MODEL_INCOMPLETE error', async () => {
    const pkg = await tinyPackage(root.dir, 'incomplete');
    await rm(join(pkg.dir, 'unet', 'model.onnx'));
    await rm(join(pkg.dir, 'vae_decoder'), { recursive: true });
    await expect(load(pkg.dir)).rejects.toMatchObject({
      code: 'MODEL_INCOMPLETE',
      message: expect.stringMatching(/missing: unet\/model\.onnx, vae_decoder\/model\.onnx$/),
    });
    await expect(load(join(root.dir, 'nowhere'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('reads the VAE scaling factor from the package, defaulting only when no config names one', async () => {
    const custom = await tinyPackage(root.dir, 'scale-custom', { scalingFactor: 0.13025 });
    // z0 = E(x)·factor: with the package's own factor it has the same spread whatever the factor is.
    const rms = async (dir: string) => {
      const pool = new SessionPool({ provider: 'cpu' });
      try {
        const pkg = await loadPackageAsync(dir, pool);
        const z0 = await encodeImageAsync(pkg, (await toModelInput(testPicture(), pkg.imageSize)).pixels);
        return Math.sqrt(z0.reduce((s, v) => s + v * v, 0) / z0.length);
      } finally {
        await pool.closeAsync();
      }
    };
    const standard = await tinyPackage(root.dir, 'scale-standard');
    expect(await rms(custom.dir)).toBeCloseTo(await rms(standard.dir), 2);
    expect(await readVaeScalingFactor(custom.dir)).toEqual({ value: 0.13025, source: 'vae_decoder/config.json' });
    await rm(join(custom.dir, 'vae_decoder', 'config.json'));
    expect(await readVaeScalingFactor(custom.dir)).toEqual({ value: 0.13025, source: 'vae_encoder/config.json' });
    const none = await tinyPackage(root.dir, 'scale-none', { scalingFactor: null });
    const loaded = await load(none.dir);
    expect(loaded.scalingFactor).toEqual({ value: DEFAULT_VAE_SCALING_FACTOR, source: 'default' });
    expect(loaded.scheduler).toMatchObject({
      betaSchedule: 'scaled_linear',
      betaStart: 0.00085,
      betaEnd: 0.012,
      numTrainTimesteps: 1000,
      stepsOffset: 1,
    });
    await writeFile(join(none.dir, 'vae_decoder', 'config.json'), '{"scaling_factor": "big"}');
    await expect(readVaeScalingFactor(none.dir)).rejects.toMatchObject({ code: 'MODEL_INVALID' });
  });

  it('refuses a UNet with onnxruntime contrib ops with CONTRIB_OP', async () => {
    const pkg = await tinyPackage(root.dir, 'fused');
    const unetPath = join(pkg.dir, 'unet', 'model.onnx');
    const unet = await readModel(unetPath);
    const node = unet.graph.nodes.find((n) => n.opType === 'InstanceNormalization')!;
    Object.assign(node, { opType: 'GroupNorm', domain: 'com.microsoft' });
    unet.opsetImports.push({ domain: 'com.microsoft', version: 1 });
    await writeModel(unet, unetPath);
    await expect(load(pkg.dir)).rejects.toMatchObject({
      code: 'CONTRIB_OP',
      message: expect.stringMatching(/GroupNorm/),
    });
  });

  it("takes the latent channels from the package, and refuses a UNet whose channels disagree with the VAE's", async () => {
    // A 12-channel UNet (2×2 patches of RGB, as the demo model) over the tiny 4-channel VAE: not one pipeline.
    const unet = tinyUNetConfig({
      crossAttentionDim: 32,
      sequenceLength: 8,
      latentSize: 8,
      inChannels: 12,
      outChannels: 12,
    });
    const pkg = await tinyPackage(root.dir, 'twelve', { unet, hidden: 32, sequenceLength: 8, imageSize: 64 });
    await expect(load(pkg.dir)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(/12 channels but the VAE decoder's latent_sample has 4/),
    });
    // With the pixel-space patch VAE of 12 channels it loads, and an image goes through encoder and decoder.
    const geometry = { sceneSize: 16, latentSize: 8 };
    await writeModel(buildPixelVaeEncoder(geometry), join(pkg.dir, 'vae_encoder', 'model.onnx'));
    await writeModel(buildPixelVaeDecoder(geometry), join(pkg.dir, 'vae_decoder', 'model.onnx'));
    const pool = new SessionPool({ provider: 'cpu' });
    try {
      const loaded = await loadPackageAsync(pkg.dir, pool);
      expect(loaded.latentDims).toEqual([1, 12, 8, 8]);
      expect(loaded.unet.inputShapes.sample).toEqual([1, 12, 8, 8]);
      const input = await toModelInput(testPicture(64, 64), loaded.imageSize);
      const z = await encodeImageAsync(loaded, input.pixels);
      expect(z).toHaveLength(12 * 64);
      expect((await decodeLatentAsync(loaded, z)).length).toBe(3 * 64 * 64);
    } finally {
      await pool.closeAsync();
    }
  });

  it('refuses a broken scheduler config with MODEL_INVALID', async () => {
    const pkg = await tinyPackage(root.dir, 'bad-scheduler');
    await writeFile(join(pkg.dir, 'scheduler', 'scheduler_config.json'), '{"beta_schedule": "sigmoid"}');
    await expect(load(pkg.dir)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(/beta_schedule/),
    });
  });
});
