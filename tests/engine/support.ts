// Shared pieces of the engine tests: a seeded test picture, PSNR, and tiny packages written once per options.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RgbaImage } from '../../companion/src/images/decode-image.ts';
import {
  writeTinyPackage,
  type TinyPackage,
  type TinyPackageOptions,
} from '../../companion/src/fixtures/tiny-package.ts';

/**
 * A smooth picture with one object (a red disc on a gradient), so the tiny VAE's 8×8 averaging keeps most of it.
 * `alpha` makes the left columns partly transparent, to check outputs keep the input's alpha.
 */
export function testPicture(width = 64, height = 64, alpha = false): RgbaImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const disc = (x - 0.375 * width) ** 2 + (y - 0.47 * height) ** 2 < (0.23 * width) ** 2;
      rgba[i] = disc ? 220 : 40 + Math.round((160 * x) / width);
      rgba[i + 1] = disc ? 60 : 90 + Math.round((80 * y) / height);
      rgba[i + 2] = disc ? 50 : 160;
      rgba[i + 3] = alpha && x < width / 4 ? 128 : 255;
    }
  }
  return { width, height, rgba };
}

export { psnr } from '../../companion/src/demo/image-metrics.ts';

export const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

/** A temp folder per test file, removed by `cleanup`. */
export async function tempRoot(label: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `imagic-${label}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function tinyPackage(root: string, name: string, options: TinyPackageOptions = {}): Promise<TinyPackage> {
  return writeTinyPackage(join(root, name), options);
}
