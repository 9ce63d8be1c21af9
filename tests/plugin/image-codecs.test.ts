// The panel's own PNG codec, zlib and SHA-256 (they also run in UXP, which lacks canvas and Web Crypto), checked
// against sharp (libpng/zlib) and node:crypto.
import { createHash, randomBytes } from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodePng } from '../../plugin/ui/image/png-decode.ts';
import { encodePngAsync } from '../../plugin/ui/image/png-encode.ts';
import { sha256Bytes, sha256HexAsync, toHex } from '../../plugin/ui/image/sha256.ts';
import { adler32, inflateZlib, zlibStored } from '../../plugin/ui/image/zlib.ts';
import { base64 } from '../../plugin/ui/image/data-url.ts';
import { deflateSync } from 'node:zlib';

/** A smooth gradient with a hard-edged square and varying alpha: exercises every PNG filter sharp picks. */
function picture(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const inSquare = x > width / 3 && x < width / 2 && y > height / 4 && y < height / 2;
      rgba.set([inSquare ? 250 : (x * 7) & 255, (y * 3) & 255, inSquare ? 10 : 128, 255 - ((x + y) % 64)], i);
    }
  return rgba;
}

const raw = async (png: Uint8Array) => {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, rgba: new Uint8Array(data) };
};

afterEach(() => vi.unstubAllGlobals());

describe('encodePngAsync', () => {
  it('writes a PNG libpng reads back to the same pixels, with CompressionStream', async () => {
    const rgba = picture(67, 45);
    const png = await encodePngAsync(rgba, 67, 45);
    expect(await raw(png)).toEqual({ width: 67, height: 45, rgba });
  });

  it('falls back to stored deflate blocks where CompressionStream is missing (UXP), across 64 KiB blocks', async () => {
    vi.stubGlobal('CompressionStream', undefined);
    const rgba = picture(200, 150);
    const png = await encodePngAsync(rgba, 200, 150);
    expect(png.length).toBeGreaterThan(rgba.length);
    expect(await raw(png)).toEqual({ width: 200, height: 150, rgba });
  });
});

describe('decodePng', () => {
  it.each([
    ['RGBA', (s: Sharp) => s.png()],
    ['RGB', (s: Sharp) => s.removeAlpha().png()],
    ['grey', (s: Sharp) => s.removeAlpha().greyscale().png()],
    ['4-bit palette', (s: Sharp) => s.png({ palette: true, colours: 16, dither: 0 })],
    ['8-bit palette', (s: Sharp) => s.png({ palette: true, colours: 200, dither: 0 })],
    ['2-bit grey', (s: Sharp) => s.removeAlpha().greyscale().png({ palette: true, colours: 4, dither: 0 })],
    ['16-bit', (s: Sharp) => s.toColourspace('rgb16').png()],
    ['max compression', (s: Sharp) => s.png({ compressionLevel: 9, adaptiveFiltering: true })],
  ])('reads a %s PNG written by libpng like libpng does', async (_kind, write) => {
    const source = sharp(Buffer.from(picture(61, 39)), { raw: { width: 61, height: 39, channels: 4 } });
    const png = new Uint8Array(await write(source).toBuffer());
    const expected = await raw(png);
    const actual = decodePng(png);
    expect([actual.width, actual.height]).toEqual([expected.width, expected.height]);
    // 16-bit: libvips rounds when going to 8 bits, the decoder takes the high byte; both are within 1.
    const maxDiff = actual.rgba.reduce((m, v, i) => Math.max(m, Math.abs(v - (expected.rgba[i] ?? 0))), 0);
    expect(maxDiff).toBeLessThanOrEqual(1);
  });

  it('rejects what is not a PNG, and interlaced PNGs', async () => {
    expect(() => decodePng(new Uint8Array([1, 2, 3]))).toThrow(/signature/);
    const interlaced = new Uint8Array(
      await sharp(Buffer.from(picture(16, 16)), { raw: { width: 16, height: 16, channels: 4 } })
        .png({ progressive: true })
        .toBuffer(),
    );
    expect(() => decodePng(interlaced)).toThrow(/interlaced/);
  });
});

describe('zlib', () => {
  it('inflates what node:zlib deflates, at every level, and its own stored streams', () => {
    const data = new Uint8Array(
      Buffer.concat([randomBytes(5000), Buffer.alloc(70_000, 7), Buffer.from('abcabcabcabc'.repeat(500))]),
    );
    for (const level of [0, 1, 6, 9]) expect(inflateZlib(new Uint8Array(deflateSync(data, { level })))).toEqual(data);
    expect(inflateZlib(zlibStored(data))).toEqual(data);
    expect(adler32(new TextEncoder().encode('Wikipedia'))).toBe(0x11e60398);
  });

  it('rejects a stream that is not zlib or ends early', () => {
    expect(() => inflateZlib(new Uint8Array([0, 0, 0]))).toThrow(/zlib/);
    const cut = new Uint8Array(deflateSync(Buffer.alloc(1000, 1))).subarray(0, 5);
    expect(() => inflateZlib(cut)).toThrow(/ends early/);
  });
});

describe('sha256', () => {
  it.each([0, 1, 55, 56, 64, 1000, 100_000])(
    'matches node:crypto for %i bytes, with and without Web Crypto',
    async (n) => {
      const data = new Uint8Array(randomBytes(n));
      const expected = createHash('sha256').update(data).digest('hex');
      expect(toHex(sha256Bytes(data))).toBe(expected);
      expect(await sha256HexAsync(data)).toBe(expected);
    },
  );
});

describe('base64', () => {
  it.each([0, 1, 2, 3, 4, 5, 1000])('matches Buffer for %i bytes', (n) => {
    const data = new Uint8Array(randomBytes(n));
    expect(base64(data)).toBe(Buffer.from(data).toString('base64'));
  });
});
