// Comparing RGBA8 images of one size, and turning a model canvas back into a scene-sized image.
import type { SampledImage } from '../engine/stage-sample.ts';
import { fromModelOutput, NEUTRAL_GRAY, type Placement } from '../images/model-input.ts';

/** PSNR in dB over the RGB channels (∞ for identical images). */
export function psnr(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (i % 4 === 3) continue;
    sum += (a[i]! - b[i]!) ** 2;
    n++;
  }
  return sum === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / (sum / n));
}

/** A `canvas`-sized model output, resized to an opaque `size`² image the way the engine returns results. */
export async function canvasToScene(pixels: SampledImage['pixels'], canvas: number, size: number): Promise<Uint8Array> {
  const placement: Placement = {
    canvas: { width: canvas, height: canvas },
    left: 0,
    top: 0,
    width: canvas,
    height: canvas,
    background: NEUTRAL_GRAY,
  };
  const opaque = new Uint8Array(size * size * 4).fill(255);
  return fromModelOutput(pixels, placement, { width: size, height: size, rgba: opaque });
}

export const mean = (values: readonly number[]): number =>
  values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** Opaque `size`² RGBA tiles laid out `columns` wide with a 1-pixel grey gutter, as one RGBA image. */
export function contactSheet(
  tiles: readonly Uint8Array[],
  size: number,
  columns: number,
): { rgba: Uint8Array; width: number; height: number } {
  const rows = Math.ceil(tiles.length / columns);
  const width = columns * (size + 1) + 1;
  const height = rows * (size + 1) + 1;
  const rgba = new Uint8Array(width * height * 4).fill(96);
  tiles.forEach((tile, i) => {
    const x0 = 1 + (i % columns) * (size + 1);
    const y0 = 1 + Math.floor(i / columns) * (size + 1);
    for (let y = 0; y < size; y++)
      rgba.set(tile.subarray(y * size * 4, (y + 1) * size * 4), ((y0 + y) * width + x0) * 4);
  });
  for (let p = 3; p < rgba.length; p += 4) rgba[p] = 255;
  return { rgba, width, height };
}
