// The panel's PNG encoder (it shows raw RGBA results; it also runs in UXP, which lacks canvas and CompressionStream,
// where fflate compresses) and its base64, checked against sharp (libpng/zlib) and Buffer.
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { base64 } from '../../plugin/ui/image/data-url.ts';
import { encodePngAsync } from '../../plugin/ui/image/png-encode.ts';
import { randomHexId } from '../../plugin/ui/image/random-id.ts';

/** A smooth gradient with a hard-edged square and varying alpha. */
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

  it('compresses with fflate where CompressionStream is missing (UXP), to the same pixels', async () => {
    vi.stubGlobal('CompressionStream', undefined);
    const rgba = picture(200, 150);
    const png = await encodePngAsync(rgba, 200, 150);
    expect(png.length).toBeLessThan(rgba.length / 2);
    expect(await raw(png)).toEqual({ width: 200, height: 150, rgba });
  });

  it('refuses pixels that do not fill the size', async () => {
    await expect(encodePngAsync(new Uint8Array(10), 2, 2)).rejects.toThrow(/needs 16 bytes/);
  });
});

describe('randomHexId', () => {
  it('gives 32 lowercase hex characters, different each time', () => {
    const ids = new Set(Array.from({ length: 50 }, randomHexId));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('base64', () => {
  it.each([0, 1, 2, 3, 4, 5, 1000])('matches Buffer for %i bytes', (n) => {
    const data = new Uint8Array(randomBytes(n));
    expect(base64(data)).toBe(Buffer.from(data).toString('base64'));
  });
});
