import { describe, expect, it } from 'vitest';
import {
  composite,
  featherWeights,
  grownMask,
  latentMask,
  maskFromImage,
  validateFeather,
  type EditMask,
} from './edit-region.ts';

const rgbaOf = (w: number, h: number, pixel: (x: number, y: number) => [number, number, number, number]) => {
  const rgba = new Uint8Array(4 * w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) rgba.set(pixel(x, y), 4 * (y * w + x));
  return { width: w, height: h, rgba };
};
/** A w×h mask whose rectangle [x0, x1) × [y0, y1) may change. */
const rect = (w: number, h: number, x0: number, y0: number, x1: number, y1: number): EditMask => ({
  width: w,
  height: h,
  change: Uint8Array.from({ length: w * h }, (_, i) => {
    const x = i % w;
    const y = Math.floor(i / w);
    return x >= x0 && x < x1 && y >= y0 && y < y1 ? 1 : 0;
  }),
});

describe('maskFromImage', () => {
  it('reads white or opaque as may-change, black or transparent as keep', () => {
    const image = rgbaOf(
      4,
      1,
      (x) =>
        [
          [255, 255, 255, 255],
          [0, 0, 0, 255],
          [255, 255, 255, 0],
          [200, 200, 200, 255],
        ][x] as [number, number, number, number],
    );
    expect([...maskFromImage(image, { width: 4, height: 1 }).change]).toEqual([1, 0, 0, 1]);
  });

  it("refuses a mask of another size than the layer's, and an empty one, saying what to do", () => {
    const white = rgbaOf(8, 8, () => [255, 255, 255, 255]);
    expect(() => maskFromImage(white, { width: 8, height: 9 })).toThrow(/8×8 px; it must be the layer's size, 8×9/);
    const black = rgbaOf(8, 8, () => [0, 0, 0, 255]);
    expect(() => maskFromImage(black, { width: 8, height: 8 })).toThrow(/empty.*paint white/);
  });

  it('takes a feather of whole pixels in range only', () => {
    expect(validateFeather(0)).toBe(0);
    expect(() => validateFeather(-1)).toThrow(/feather/);
    expect(() => validateFeather(1.5)).toThrow(/feather/);
  });
});

describe('latentMask', () => {
  it('marks every latent cell any may-change pixel lands in, through the placement on the canvas', () => {
    // An 8×4 layer letterboxed on a 16×16 canvas (scale 2, 4 px bars above and below), latent 4×4 (4 px cells).
    const placement = { canvas: { width: 16, height: 16 }, left: 0, top: 4, width: 16, height: 8 };
    const mask = rect(8, 4, 3, 1, 4, 2); // the one pixel (3, 1) → canvas [6, 8) × [6, 8)
    expect([...latentMask(mask, placement, { width: 4, height: 4 })]).toEqual([
      0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    const straddling = rect(8, 4, 1, 1, 3, 2); // canvas x [2, 6) crosses the cell edge at 4
    expect([...latentMask(straddling, placement, { width: 4, height: 4 })].slice(4, 8)).toEqual([1, 1, 0, 0]);
  });
});

describe('featherWeights and composite', () => {
  it('keep every pixel outside the mask exactly, ramp over `feather` pixels inside it, and are hard at 0', () => {
    const mask = rect(12, 1, 2, 0, 10, 1);
    expect([...featherWeights(mask, 0)]).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    const soft = [...featherWeights(mask, 2)].map((w) => Math.round(w * 3) / 3);
    expect(soft).toEqual([0, 0, 1 / 3, 2 / 3, 1, 1, 1, 1, 2 / 3, 1 / 3, 0, 0].map((w) => Math.round(w * 3) / 3));
    const input = rgbaOf(12, 1, () => [10, 20, 30, 200]).rgba;
    const edited = rgbaOf(12, 1, () => [250, 240, 230, 200]).rgba;
    const out = composite(edited, input, featherWeights(mask, 2));
    for (const x of [0, 1, 10, 11]) expect([...out.slice(4 * x, 4 * x + 4)]).toEqual([10, 20, 30, 200]);
    expect([...out.slice(4 * 5, 4 * 5 + 4)]).toEqual([250, 240, 230, 200]);
    expect(out[4 * 2]).toBe(90); // a third of the way: 10 + (250 − 10)/3
  });

  it('takes the whole edit everywhere for a full mask (no pixel to keep)', () => {
    expect([...featherWeights(rect(3, 3, 0, 0, 3, 3), 4)].every((w) => w === 1)).toBe(true);
  });
});

describe('grownMask', () => {
  it('grows and shrinks a region by whole pixels, and leaves it for 0', () => {
    const mask = rect(9, 1, 3, 0, 6, 1);
    const row = (m: EditMask) => [...m.change].join('');
    expect(row(grownMask(mask, 1))).toBe('001111100');
    expect(row(grownMask(mask, -1))).toBe('000010000');
    expect(row(grownMask(mask, -2))).toBe('000000000');
    expect(grownMask(mask, 0)).toBe(mask);
  });
});
