import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImagicError } from '../errors.ts';
import { decodeImage, type RgbaImage } from './decode-image.ts';
import { encodePng, fromModelOutput, letterbox, NEUTRAL_GRAY, toModelInput } from './model-input.ts';

const WORKING = { width: 512, height: 512 };
const GRAY = Math.fround(NEUTRAL_GRAY.r / 127.5 - 1);

/** Smooth colours (resampling keeps them), a fully transparent block and a half-transparent band. */
function softCard(width: number, height: number): RgbaImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba[i] = 40 + Math.round((170 * x) / Math.max(1, width - 1));
      rgba[i + 1] = 200 - Math.round((150 * y) / Math.max(1, height - 1));
      rgba[i + 2] = 120;
      rgba[i + 3] = x < width / 4 && y < height / 4 ? 0 : y > (3 * height) / 4 ? 128 : 255;
    }
  }
  return { width, height, rgba };
}

const alphaOf = (rgba: Uint8Array): Uint8Array => rgba.filter((_, i) => i % 4 === 3);

/** Byte equality that reports the first difference (vitest's toEqual is slow on megabyte arrays). */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  const first = actual.findIndex((v, i) => v !== expected[i]);
  expect(first, `first difference at byte ${first}`).toBe(-1);
}

/** Mean absolute RGB difference over the pixels whose alpha is at least `minAlpha`. */
function meanColourError(a: Uint8Array, b: Uint8Array, minAlpha: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (b[i + 3]! < minAlpha) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(a[i + c]! - b[i + c]!);
    n += 3;
  }
  return sum / n;
}

const pixelAt = (pixels: Float32Array, width: number, height: number, x: number, y: number): number[] =>
  [0, 1, 2].map((c) => pixels[c * width * height + y * width + x]!);

describe('letterbox', () => {
  it('fits a wide image to the canvas width and centres it vertically', () => {
    expect(letterbox({ width: 300, height: 120 }, WORKING)).toEqual({
      canvas: WORKING,
      left: 0,
      top: 153,
      width: 512,
      height: 205,
    });
  });

  it('fits a tall thin image to the canvas height and centres it horizontally', () => {
    expect(letterbox({ width: 17, height: 999 }, WORKING)).toEqual({
      canvas: WORKING,
      left: 251,
      top: 0,
      width: 9,
      height: 512,
    });
  });

  it('keeps at least one pixel of a needle-thin image', () => {
    expect(letterbox({ width: 1, height: 4096 }, { width: 64, height: 64 })).toMatchObject({ width: 1, height: 64 });
  });

  it('rejects empty sizes as a programming error', () => {
    expect(() => letterbox({ width: 0, height: 5 }, WORKING)).toThrow(RangeError);
  });
});

describe('toModelInput', () => {
  it('returns NCHW [1, 3, H, W] in [-1, 1] with the bars filled with the background', async () => {
    const input = await toModelInput(softCard(300, 120), WORKING);
    expect(input.dims).toEqual([1, 3, 512, 512]);
    expect(input.pixels.length).toBe(3 * 512 * 512);
    expect(input.pixels.every((v) => v >= -1 && v <= 1)).toBe(true);
    for (const [x, y] of [
      [0, 0],
      [511, 152],
      [256, 358],
      [511, 511],
    ] as const)
      expect(pixelAt(input.pixels, 512, 512, x, y)).toEqual([GRAY, GRAY, GRAY]);
  });

  it('composites transparent pixels over the background', async () => {
    const red = { width: 4, height: 4, rgba: new Uint8Array(4 * 4 * 4).map((_, i) => [255, 0, 0, 0][i % 4]!) };
    const input = await toModelInput(red, { width: 4, height: 4 });
    expect(input.pixels.every((v) => v === GRAY)).toBe(true);
  });

  it('maps colours linearly: 0 → -1, 255 → 1', async () => {
    const image = { width: 2, height: 1, rgba: new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255]) };
    const { pixels } = await toModelInput(image, { width: 2, height: 1 });
    expect([...pixels]).toEqual([-1, 1, -1, 1, -1, 1]);
  });
});

describe('fromModelOutput', () => {
  it('gives back an opaque image exactly when the model output is its input and no resize happens', async () => {
    const image = softCard(64, 40);
    image.rgba.forEach((_, i) => i % 4 === 3 && (image.rgba[i] = 255));
    const { pixels, placement } = await toModelInput(image, { width: 64, height: 40 });
    expect(await fromModelOutput(pixels, placement, image)).toEqual(image.rgba);
  });

  it('takes the background back out of half-transparent pixels', async () => {
    const image = { width: 2, height: 1, rgba: new Uint8Array([200, 30, 90, 128, 10, 250, 60, 64]) };
    const { pixels, placement } = await toModelInput(image, { width: 2, height: 1 });
    const out = await fromModelOutput(pixels, placement, image);
    expect(alphaOf(out)).toEqual(alphaOf(image.rgba));
    for (let i = 0; i < 8; i++) if (i % 4 !== 3) expect(Math.abs(out[i]! - image.rgba[i]!)).toBeLessThanOrEqual(4);
  });

  it('clamps values outside [-1, 1]', async () => {
    const image = { width: 1, height: 1, rgba: new Uint8Array([0, 0, 0, 255]) };
    const { placement } = await toModelInput(image, { width: 1, height: 1 });
    expect([...(await fromModelOutput(new Float32Array([-3, 0, 7]), placement, image))]).toEqual([0, 128, 255, 255]);
  });

  it('refuses a tensor of the wrong size with DIMS_MISMATCH', async () => {
    const image = softCard(8, 8);
    const { placement } = await toModelInput(image, { width: 16, height: 16 });
    await expect(fromModelOutput(new Float32Array(3 * 8 * 8), placement, image)).rejects.toMatchObject({
      code: 'DIMS_MISMATCH',
    });
    await expect(fromModelOutput(new Float32Array(3 * 8 * 8), placement, image)).rejects.toBeInstanceOf(ImagicError);
  });
});

describe('round trip through the working resolution', () => {
  it.each([
    ['256×256', 256, 256],
    ['300×120', 300, 120],
    ['17×999', 17, 999],
    ['1000×700', 1000, 700],
  ])('a %s RGBA PNG keeps its size and exact alpha, and its colours stay close', async (_, width, height) => {
    const source = softCard(width, height);
    const png = await encodePng(source.rgba, width, height);
    const decoded = await decodeImage(png, { maxPixels: 4096 * 4096 });
    const { pixels, placement } = await toModelInput(decoded, WORKING);
    const out = await fromModelOutput(pixels, placement, decoded);

    expect(out.length).toBe(width * height * 4);
    expectSameBytes(alphaOf(out), alphaOf(source.rgba));
    // Down- and upsampling blurs the edges of the transparent block; the smooth interior stays within a few levels.
    expect(meanColourError(out, source.rgba, 255)).toBeLessThan(width < 64 ? 6 : 3);

    const reread = await decodeImage(await encodePng(out, width, height), { maxPixels: 4096 * 4096 });
    expectSameBytes(reread.rgba, out);
  });
});

describe('encodePng', () => {
  it('writes an RGBA PNG of the given size', async () => {
    const { rgba } = softCard(5, 3);
    const png = await encodePng(rgba, 5, 3);
    expect(await sharp(png).metadata()).toMatchObject({ format: 'png', width: 5, height: 3, hasAlpha: true });
  });

  it('rejects a buffer that does not match the size', async () => {
    await expect(encodePng(new Uint8Array(10), 5, 3)).rejects.toThrow(RangeError);
  });
});
