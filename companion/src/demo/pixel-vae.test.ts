import { describe, expect, it } from 'vitest';
import { fromModelOutput, toModelInput } from '../images/model-input.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { examples } from './dataset.ts';
import { mean, psnr } from './image-metrics.ts';
import {
  buildPixelVaeDecoder,
  buildPixelVaeEncoder,
  correctionFilter,
  encodeScene,
  inverseFilter,
  patchBasis,
  pixelVaeChannels,
  VAE_FACTOR,
} from './pixel-vae.ts';
import { SCENE_SIZE } from './scene.ts';

describe('inverseFilter', () => {
  it('inverts a blur to within the ridge', () => {
    const k = [0, 0.05, 0.15, 0.6, 0.15, 0.05, 0];
    const h = inverseFilter(k);
    const composed = Array.from({ length: 11 }, (_, j) => h.reduce((s, hi, i) => s + hi * (k[j - i] ?? 0), 0));
    expect(composed[5]).toBeCloseTo(1, 1);
    expect(Math.max(...composed.filter((_, j) => j !== 5).map(Math.abs))).toBeLessThan(0.05);
  });
});

describe('patchBasis', () => {
  it.each([1, 2, 4])('is orthonormal for %i×%i patches, with the mean luma first', (p) => {
    const b = patchBasis(p);
    expect(b).toHaveLength(3 * p * p);
    for (let i = 0; i < b.length; i++)
      for (let j = 0; j < b.length; j++)
        expect(b[i]!.reduce((s, v, k) => s + v * b[j]![k]!, 0)).toBeCloseTo(i === j ? 1 : 0, 12);
    // A uniform grey patch has only a luma mean.
    const grey = new Array<number>(3 * p * p).fill(1);
    expect(b.map((row) => row.reduce((s, v, k) => s + v * grey[k]!, 0)).map((v) => Math.abs(v) > 1e-12)).toEqual([
      true,
      ...new Array<boolean>(3 * p * p - 1).fill(false),
    ]);
  });
});

describe.each([
  { label: 'one scene pixel per latent pixel (3 channels)', latentSize: SCENE_SIZE },
  { label: '2×2 patches (12 channels, the demo model)', latentSize: SCENE_SIZE / 2 },
])('the pixel-space VAE, $label', ({ latentSize: L }) => {
  const geometry = { sceneSize: SCENE_SIZE, latentSize: L };
  const C = pixelVaeChannels(geometry);
  const canvas = L * VAE_FACTOR;
  it("encodes the engine's canvas to B·x of the scene and decodes back through the engine to ≥ 40 dB", async () => {
    const filter = await correctionFilter(geometry);
    const encoder = await OrtSession.create(buildPixelVaeEncoder({ ...geometry, filter }));
    const decoder = await OrtSession.create(buildPixelVaeDecoder(geometry));
    const scores: number[] = [];
    let squaredError = 0;
    let count = 0;
    try {
      for (const ex of examples(7, 0, 12)) {
        const image = { width: SCENE_SIZE, height: SCENE_SIZE, rgba: ex.rgba };
        const input = await toModelInput(image, { width: canvas, height: canvas });
        const moments = (
          await encoder.run({ sample: { dtype: 'float32', dims: [1, 3, canvas, canvas], data: input.pixels } })
        )['latent_parameters']!;
        expect(moments.dims).toEqual([1, 2 * C, L, L]);
        const latent = (moments.data as Float32Array).slice(0, C * L * L);
        const direct = encodeScene(ex.rgba, geometry);
        for (let i = 0; i < latent.length; i++) squaredError += (latent[i]! - direct[i]!) ** 2;
        count += latent.length;
        const pixels = (await decoder.run({ latent_sample: { dtype: 'float32', dims: [1, C, L, L], data: latent } }))[
          'sample'
        ]!;
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
