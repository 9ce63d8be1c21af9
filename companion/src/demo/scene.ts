// The demo data set's world (issue 5): one flat-coloured shape on a flat background, drawn anti-aliased, with an
// exact caption from a three-slot grammar: "a {colour} {shape} on a {background} background". Position and size
// vary continuously. Everything here is pure and deterministic; the data set (dataset.ts) draws specs from a seed.
import { Rng } from '../util/rng.ts';

export const SHAPES = ['circle', 'square', 'triangle'] as const;
export const COLOURS = ['red', 'green', 'blue', 'yellow'] as const;
export const BACKGROUNDS = ['white', 'black', 'gray'] as const;

export type Shape = (typeof SHAPES)[number];
export type Colour = (typeof COLOURS)[number];
export type Background = (typeof BACKGROUNDS)[number];
export type Rgb8 = readonly [number, number, number];

/** sRGB values of every named colour, one row each; the classifier (classifier.ts) uses the same table. */
export const PALETTE: Readonly<Record<Colour | Background, Rgb8>> = {
  red: [220, 30, 30],
  green: [30, 180, 40],
  blue: [30, 60, 220],
  yellow: [235, 215, 30],
  white: [255, 255, 255],
  black: [0, 0, 0],
  gray: [128, 128, 128],
};

export interface SceneSpec {
  readonly shape: Shape;
  readonly colour: Colour;
  readonly background: Background;
  /** Centre of the shape (its centroid), in pixels from the top-left corner. */
  readonly cx: number;
  readonly cy: number;
  /**
   * Equal-area radius in pixels: every shape of one size covers π·r², so that a shape edit at a fixed position and
   * size keeps the mask overlap high (a circle and a square of one r overlap with IoU ≈ 0.82).
   */
  readonly r: number;
}

/** Side of the image in pixels. */
export const SCENE_SIZE = 32;
/** Equal-area radius range, in pixels of a 32-pixel image (scaled with the size). */
export const RADIUS_RANGE = [5.5, 10] as const;
/** Nothing of the shape comes closer to the border than this (pixels at 32). */
const MARGIN = 1;
/** Coverage of each pixel is measured on a SUPERSAMPLE × SUPERSAMPLE grid. */
const SUPERSAMPLE = 4;

export function caption(spec: Pick<SceneSpec, 'shape' | 'colour' | 'background'>): string {
  return `a ${spec.colour} ${spec.shape} on a ${spec.background} background`;
}

/** Every word the grammar can produce (the demo tokenizer's vocabulary, tokenizer-files.ts). */
export const GRAMMAR_WORDS: readonly string[] = ['a', 'on', 'background', ...SHAPES, ...COLOURS, ...BACKGROUNDS];

/** The shape's half-extents from its centre, for keeping it inside the image. */
function extent(shape: Shape, r: number): { left: number; right: number; up: number; down: number } {
  if (shape === 'circle') return { left: r, right: r, up: r, down: r };
  if (shape === 'square') {
    const half = (r * Math.sqrt(Math.PI)) / 2;
    return { left: half, right: half, up: half, down: half };
  }
  const side = triangleSide(r);
  const height = (side * Math.sqrt(3)) / 2;
  // The centroid sits a third of the height above the base.
  return { left: side / 2, right: side / 2, up: (2 * height) / 3, down: height / 3 };
}

/** Side of the equilateral triangle with area π·r². */
const triangleSide = (r: number) => Math.sqrt((4 * Math.PI * r * r) / Math.sqrt(3));

/** Draws a spec's free parameters: shape, colour and background uniformly, size and position continuously. */
export function randomScene(rng: Rng, size = SCENE_SIZE): SceneSpec {
  const pick = <T>(values: readonly T[]): T =>
    values[Math.min(values.length - 1, Math.floor(rng.uniform() * values.length))]!;
  const shape = pick(SHAPES);
  const colour = pick(COLOURS);
  const background = pick(BACKGROUNDS);
  const scale = size / SCENE_SIZE;
  const r = scale * (RADIUS_RANGE[0] + (RADIUS_RANGE[1] - RADIUS_RANGE[0]) * rng.uniform());
  const e = extent(shape, r);
  const m = MARGIN * scale;
  const cx = m + e.left + (size - 2 * m - e.left - e.right) * rng.uniform();
  const cy = m + e.up + (size - 2 * m - e.up - e.down) * rng.uniform();
  return { shape, colour, background, cx, cy, r };
}

/** The same scene with other slot values (an edit's ground truth: same position and size). */
export const withSlots = (
  spec: SceneSpec,
  slots: Partial<Pick<SceneSpec, 'shape' | 'colour' | 'background'>>,
): SceneSpec => ({ ...spec, ...slots });

/** Inside test for a point (x, y) in pixel coordinates. */
function inside(spec: SceneSpec): (x: number, y: number) => boolean {
  const { cx, cy, r } = spec;
  if (spec.shape === 'circle') return (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  if (spec.shape === 'square') {
    const half = (r * Math.sqrt(Math.PI)) / 2;
    return (x, y) => Math.abs(x - cx) <= half && Math.abs(y - cy) <= half;
  }
  const e = extent('triangle', r);
  const top = cy - e.up;
  const base = cy + e.down;
  const height = base - top;
  // Upright: the half-width grows linearly from 0 at the apex to side/2 at the base.
  return (x, y) => y >= top && y <= base && Math.abs(x - cx) <= ((y - top) / height) * e.left;
}

/** Fraction of each pixel the shape covers, row-major, in [0, 1]. */
export function coverage(spec: SceneSpec, size = SCENE_SIZE): Float32Array {
  const test = inside(spec);
  const out = new Float32Array(size * size);
  const n = SUPERSAMPLE;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let hits = 0;
      for (let sy = 0; sy < n; sy++)
        for (let sx = 0; sx < n; sx++) if (test(x + (sx + 0.5) / n, y + (sy + 0.5) / n)) hits++;
      out[y * size + x] = hits / (n * n);
    }
  }
  return out;
}

/** Straight RGBA8, opaque: each pixel is coverage·colour + (1 − coverage)·background. */
export function renderScene(spec: SceneSpec, size = SCENE_SIZE, alpha = coverage(spec, size)): Uint8Array {
  const fg = PALETTE[spec.colour];
  const bg = PALETTE[spec.background];
  const rgba = new Uint8Array(size * size * 4);
  for (let p = 0; p < alpha.length; p++) {
    const a = alpha[p]!;
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.round(a * fg[c]! + (1 - a) * bg[c]!);
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}
