import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImagicError } from '../errors.ts';
import type { ErrorCode } from '../../../shared/src/protocol/error-codes.ts';
import { decodeImage, sniffImageFormat } from './decode-image.ts';

const MAX_PIXELS = 4096 * 4096;

/** A small RGBA test card: a gradient, an opaque block and a fully transparent corner. */
function testCard(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      rgba[i] = Math.round((255 * x) / Math.max(1, width - 1));
      rgba[i + 1] = Math.round((255 * y) / Math.max(1, height - 1));
      rgba[i + 2] = 96;
      rgba[i + 3] = x < width / 3 && y < height / 3 ? 0 : 255;
    }
  }
  return rgba;
}

const raw = (rgba: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 3 | 4 = 4) =>
  sharp(rgba, { raw: { width, height, channels } });

// PNG chunk layout (PNG spec §5.3): length, type, data, CRC-32 of type + data.
function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A well-formed PNG whose IHDR claims width × height RGBA8 but whose IDAT holds almost nothing. */
function pngHeaderClaiming(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type: RGBA
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(64))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<ImagicError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImagicError);
  expect((err as ImagicError).code).toBe(code);
  return err as ImagicError;
}

const maxAbsDiff = (a: Uint8Array, b: Uint8Array, channel?: number): number => {
  let max = 0;
  for (let i = 0; i < a.length; i++)
    if (channel === undefined || i % 4 === channel) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
};

const alphaOf = (rgba: Uint8Array): Uint8Array => rgba.filter((_, i) => i % 4 === 3);

describe('decodeImage', () => {
  it('decodes an RGBA PNG exactly, transparent region included', async () => {
    const rgba = testCard(40, 30);
    const png = await raw(rgba, 40, 30).png().toBuffer();
    const img = await decodeImage(png, { maxPixels: MAX_PIXELS });
    expect(img).toMatchObject({ width: 40, height: 30, hasAlpha: true, format: 'png' });
    expect(img.rgba).toEqual(rgba);
  });

  it('gives an opaque alpha channel to an RGB image', async () => {
    const png = await raw(testCard(8, 8), 8, 8).removeAlpha().png().toBuffer();
    const img = await decodeImage(png, { maxPixels: MAX_PIXELS });
    expect(img.hasAlpha).toBe(false);
    expect(alphaOf(img.rgba).every((a) => a === 255)).toBe(true);
  });

  it('converts a 16-bit RGBA PNG to 8-bit within one level', async () => {
    const levels = [0, 257, 1000, 32896, 33153, 65535];
    const px = new Uint16Array(levels.length * 4);
    levels.forEach((v, i) => px.set([v, 65535 - v, v, i % 2 ? 65535 : 0], i * 4));
    const png = await raw(px, levels.length, 1).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png).metadata()).bitsPerSample).toBe(16);

    const img = await decodeImage(png, { maxPixels: MAX_PIXELS });
    expect(img).toMatchObject({ width: levels.length, height: 1, hasAlpha: true });
    levels.forEach((v, i) => {
      expect(Math.abs(img.rgba[i * 4]! - v / 257)).toBeLessThanOrEqual(1);
      expect(Math.abs(img.rgba[i * 4 + 1]! - (65535 - v) / 257)).toBeLessThanOrEqual(1);
      expect(img.rgba[i * 4 + 3]).toBe(i % 2 ? 255 : 0);
    });
  });

  it('expands a palette PNG with transparency to RGBA', async () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 255]);
    const png = await raw(rgba, 2, 2).png({ palette: true, colours: 4, dither: 0 }).toBuffer();
    expect((await sharp(png).metadata()).isPalette).toBe(true);

    const img = await decodeImage(png, { maxPixels: MAX_PIXELS });
    expect(img).toMatchObject({ width: 2, height: 2, hasAlpha: true });
    expect(alphaOf(img.rgba)).toEqual(alphaOf(rgba));
    for (const pixel of [0, 1, 3])
      expect([...img.rgba.subarray(pixel * 4, pixel * 4 + 3)]).toEqual([...rgba.subarray(pixel * 4, pixel * 4 + 3)]);
  });

  it('decodes a JPEG close to its source, opaque', async () => {
    const rgba = testCard(64, 48).map((v, i) => (i % 4 === 3 ? 255 : v));
    const jpeg = await raw(rgba, 64, 48).removeAlpha().jpeg({ quality: 95 }).toBuffer();
    const img = await decodeImage(jpeg, { maxPixels: MAX_PIXELS });
    expect(img).toMatchObject({ width: 64, height: 48, hasAlpha: false, format: 'jpeg' });
    expect(maxAbsDiff(img.rgba, rgba, 0)).toBeLessThan(16);
    expect(alphaOf(img.rgba).every((a) => a === 255)).toBe(true);
  });

  it('converts a greyscale JPEG to RGB with equal channels', async () => {
    const jpeg = await raw(new Uint8Array(16 * 16).fill(100), 16, 16, 1)
      .toColourspace('b-w')
      .jpeg()
      .toBuffer();
    expect((await sharp(jpeg).metadata()).channels).toBe(1);
    const img = await decodeImage(jpeg, { maxPixels: MAX_PIXELS });
    expect([...img.rgba.subarray(0, 4)]).toEqual([100, 100, 100, 255]);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    const jpeg = await raw(new Uint8Array(16 * 16 * 3).fill(200), 16, 16, 3)
      .toColourspace('cmyk')
      .jpeg()
      .toBuffer();
    expect((await sharp(jpeg).metadata()).space).toBe('cmyk');
    const img = await decodeImage(jpeg, { maxPixels: MAX_PIXELS });
    expect(img.rgba.length).toBe(16 * 16 * 4);
    // sRGB → CMYK → sRGB through two ICC profiles is not lossless; a light grey must stay a light grey.
    for (let c = 0; c < 3; c++) expect(Math.abs(img.rgba[c]! - 200)).toBeLessThan(24);
  });

  it('decodes a lossless WebP with alpha exactly', async () => {
    const rgba = testCard(33, 21);
    const webp = await raw(rgba, 33, 21).webp({ lossless: true, exact: true }).toBuffer();
    const img = await decodeImage(webp, { maxPixels: MAX_PIXELS });
    expect(img).toMatchObject({ width: 33, height: 21, hasAlpha: true, format: 'webp' });
    expect(img.rgba).toEqual(rgba);
  });

  it('applies the EXIF orientation, so a rotated JPEG comes out upright', async () => {
    const jpeg = await raw(testCard(30, 20), 30, 20).removeAlpha().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(jpeg, { maxPixels: MAX_PIXELS });
    expect([img.width, img.height]).toEqual([20, 30]);
  });

  it.each([
    ['300×120', 300, 120],
    ['17×999', 17, 999],
  ])('keeps the size of a %s image', async (_, width, height) => {
    const img = await decodeImage(await raw(testCard(width, height), width, height).png().toBuffer(), {
      maxPixels: MAX_PIXELS,
    });
    expect([img.width, img.height, img.rgba.length]).toEqual([width, height, width * height * 4]);
  });

  describe('refusals', () => {
    it('refuses a PNG header claiming 100000×100000 with IMAGE_TOO_LARGE, fast and without allocating the pixels', async () => {
      const png = pngHeaderClaiming(100_000, 100_000);
      await decodeImage(await raw(testCard(4, 4), 4, 4).png().toBuffer(), { maxPixels: MAX_PIXELS }); // warm sharp up
      const rssBefore = process.memoryUsage().rss;
      const start = performance.now();
      const err = await expectCode(decodeImage(png, { maxPixels: MAX_PIXELS }), 'IMAGE_TOO_LARGE');
      const elapsedMs = performance.now() - start;
      expect(err.message).toContain('100000×100000');
      expect(elapsedMs).toBeLessThan(1000);
      expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * 1024 * 1024); // the pixels would be 40 GB
    });

    it('refuses one pixel over the cap', async () => {
      await expectCode(decodeImage(pngHeaderClaiming(101, 100), { maxPixels: 100 * 100 }), 'IMAGE_TOO_LARGE');
    });

    it('refuses a real image over the cap with IMAGE_TOO_LARGE', async () => {
      const png = await raw(testCard(20, 20), 20, 20).png().toBuffer();
      await expectCode(decodeImage(png, { maxPixels: 399 }), 'IMAGE_TOO_LARGE');
    });

    it('refuses an empty buffer with IMAGE_UNSUPPORTED', async () => {
      const err = await expectCode(decodeImage(new Uint8Array(0), { maxPixels: MAX_PIXELS }), 'IMAGE_UNSUPPORTED');
      expect(err.message).toMatch(/PNG.*JPEG.*WebP/);
    });

    it('refuses bytes that are no image with IMAGE_UNSUPPORTED, naming the formats that work', async () => {
      const err = await expectCode(
        decodeImage(new TextEncoder().encode('definitely not an image'), { maxPixels: MAX_PIXELS }),
        'IMAGE_UNSUPPORTED',
      );
      expect(err.message).toMatch(/PNG.*JPEG.*WebP/);
    });

    it('refuses a PNG signature followed by garbage with IMAGE_UNSUPPORTED', async () => {
      const bytes = new Uint8Array(200).map((_, i) => (i * 37) & 0xff);
      bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      await expectCode(decodeImage(bytes, { maxPixels: MAX_PIXELS }), 'IMAGE_UNSUPPORTED');
    });

    it('refuses a header-only PNG whose pixel data is missing with IMAGE_UNSUPPORTED', async () => {
      await expectCode(decodeImage(pngHeaderClaiming(64, 64), { maxPixels: MAX_PIXELS }), 'IMAGE_UNSUPPORTED');
    });

    it.each(['png', 'jpeg', 'webp'] as const)('refuses a truncated %s with IMAGE_UNSUPPORTED', async (format) => {
      const full = await raw(testCard(64, 64), 64, 64).toFormat(format).toBuffer();
      await expectCode(
        decodeImage(full.subarray(0, Math.floor(full.length / 2)), { maxPixels: MAX_PIXELS }),
        'IMAGE_UNSUPPORTED',
      );
    });

    it('refuses an animated WebP with IMAGE_UNSUPPORTED', async () => {
      const frames = await Promise.all(
        [0, 200].map((v) =>
          raw(new Uint8Array(8 * 8 * 3).fill(v), 8, 8, 3)
            .png()
            .toBuffer(),
        ),
      );
      const webp = await sharp(frames, { join: { animated: true } })
        .webp()
        .toBuffer();
      const err = await expectCode(decodeImage(webp, { maxPixels: MAX_PIXELS }), 'IMAGE_UNSUPPORTED');
      expect(err.message).toContain('animated');
    });

    it.each([
      ['GIF', () => raw(testCard(4, 4), 4, 4).gif().toBuffer()],
      ['TIFF', () => raw(testCard(4, 4), 4, 4).tiff().toBuffer()],
      ['SVG', async () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>')],
    ])('refuses %s with IMAGE_UNSUPPORTED before sharp reads it', async (_, make) => {
      await expectCode(decodeImage(await make(), { maxPixels: MAX_PIXELS }), 'IMAGE_UNSUPPORTED');
    });

    it('rejects a non-positive pixel cap as a programming error', async () => {
      await expect(decodeImage(new Uint8Array(1), { maxPixels: 0 })).rejects.toThrow(RangeError);
    });
  });
});

describe('sniffImageFormat', () => {
  it('names PNG, JPEG and WebP by their magic bytes and nothing else', () => {
    expect(sniffImageFormat(pngHeaderClaiming(1, 1))).toBe('png');
    expect(sniffImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageFormat(new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 '))).toBe('webp');
    expect(sniffImageFormat(new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt '))).toBeUndefined();
    expect(sniffImageFormat(new Uint8Array([0x89, 0x50]))).toBeUndefined();
  });
});
