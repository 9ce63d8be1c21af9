import { describe, expect, it } from 'vitest';
import { fromModelOutput, toModelInput } from '../images/model-input.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { examples } from './dataset.ts';
import { LATENT_CHANNELS, VAE_FACTOR } from './demo-config.ts';
import { mean, psnr } from './image-metrics.ts';
import { buildPixelVaeDecoder, buildPixelVaeEncoder, correctionFilter, inverseFilter, mixPixels } from './pixel-vae.ts';
import { SCENE_SIZE } from './scene.ts';

const L = SCENE_SIZE;
const canvas = L * VAE_FACTOR;

describe('inverseFilter', () => {
  it('inverts a blur to within the ridge', () => {
    const k = [0, 0.05, 0.15, 0.6, 0.15, 0.05, 0];
    const h = inverseFilter(k);
    const composed = Array.from({ length: 11 }, (_, j) => h.reduce((s, hi, i) => s + hi * (k[j - i] ?? 0), 0));
    expect(composed[5]).toBeCloseTo(1, 1);
    expect(Math.max(...composed.filter((_, j) => j !== 5).map(Math.abs))).toBeLessThan(0.05);
  });
});

describe('the pixel-space VAE', () => {
  it("encodes the engine's canvas to M·x of the scene and decodes back through the engine to ≥ 40 dB", async () => {
    const filter = await correctionFilter(L);
    const encoder = await OrtSession.create(buildPixelVaeEncoder({ latentSize: L, filter }));
    const decoder = await OrtSession.create(buildPixelVaeDecoder({ latentSize: L }));
    const scores: number[] = [];
    let squaredError = 0;
    let count = 0;
    try {
      for (const ex of examples(7, 0, 12)) {
        const image = { width: L, height: L, rgba: ex.rgba };
        const input = await toModelInput(image, { width: canvas, height: canvas });
        const moments = (await encoder.run({ sample: { dtype: 'float32', dims: [1, 3, canvas, canvas], data: input.pixels } }))['latent_parameters']!;
        expect(moments.dims).toEqual([1, 2 * LATENT_CHANNELS, L, L]);
        const latent = (moments.data as Float32Array).slice(0, LATENT_CHANNELS * L * L);
        const direct = mixPixels(ex.rgba, L);
        for (let i = 0; i < latent.length; i++) squaredError += (latent[i]! - direct[i]!) ** 2;
        count += latent.length;
        const pixels = (await decoder.run({ latent_sample: { dtype: 'float32', dims: [1, LATENT_CHANNELS, L, L], data: latent } }))['sample']!;
        scores.push(psnr(await fromModelOutput(pixels.data as Float32Array, input.placement, image), ex.rgba));
      }
    } finally {
      await encoder.release();
      await decoder.release();
    }
    expect(Math.sqrt(squaredError / count)).toBeLessThan(0.02);
    expect(mean(scores)).toBeGreaterThan(40);
    expect(Math.min(...scores)).toBeGreaterThan(35);
  });
});
