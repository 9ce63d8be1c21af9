// An appearance the demo model has never seen, for subject adapters (issue: learn from layers): a shape split down
// its middle, one colour on the left half and another on the right (the data set draws one flat colour per shape).
// `detectSubject` finds it in a sample independently of any model: enough pixels of both colours, the first colour's
// centroid left of the second's and level with it, and the two together one solid shape.
import { PALETTE, coverage, type Colour, type Rgb8, type SceneSpec } from './scene.ts';

export interface Subject {
  readonly left: Colour;
  readonly right: Colour;
}

/** The subject drawn at `spec`'s shape, position, size and background (spec.colour is ignored). */
export function renderSubject(spec: SceneSpec, subject: Subject, size: number): Uint8Array {
  const alpha = coverage(spec, size);
  const bg = PALETTE[spec.background];
  const [left, right] = [PALETTE[subject.left], PALETTE[subject.right]];
  const rgba = new Uint8Array(size * size * 4);
  for (let p = 0; p < alpha.length; p++) {
    const a = alpha[p]!;
    // The pixel's share left of the split line x = cx, for an anti-aliased split.
    const x = p % size;
    const l = Math.min(1, Math.max(0, spec.cx - x));
    for (let c = 0; c < 3; c++) {
      const fg = l * left[c]! + (1 - l) * right[c]!;
      rgba[p * 4 + c] = Math.round(a * fg + (1 - a) * bg[c]!);
    }
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

/** A pixel counts as a colour when it is this close to it (RGB distance): blends of two are not. */
const NEAR = 70;
/** Each colour must cover at least this many pixels of a 32×32 sample (the smallest subject half has ~45). */
const MIN_PIXELS = 10;
/** The two colours' share of their joint bounding box: a triangle fills half of it, a disc 0.79. */
const FILL = 0.45;

const near = (rgba: Uint8Array, p: number, c: Rgb8) =>
  Math.hypot(rgba[p * 4]! - c[0], rgba[p * 4 + 1]! - c[1], rgba[p * 4 + 2]! - c[2]) < NEAR;

interface Blob {
  readonly n: number;
  readonly cx: number;
  readonly cy: number;
  readonly box: readonly [number, number, number, number];
}

function blobOf(rgba: Uint8Array, w: number, h: number, c: Rgb8): Blob {
  let n = 0;
  let sx = 0;
  let sy = 0;
  const box: [number, number, number, number] = [w, h, -1, -1];
  for (let p = 0; p < w * h; p++) {
    if (!near(rgba, p, c)) continue;
    const x = p % w;
    const y = Math.floor(p / w);
    n++;
    sx += x;
    sy += y;
    box[0] = Math.min(box[0], x);
    box[1] = Math.min(box[1], y);
    box[2] = Math.max(box[2], x);
    box[3] = Math.max(box[3], y);
  }
  return { n, cx: sx / n, cy: sy / n, box };
}

/** Whether `rgba` (w × h) shows the subject: both halves, left and right of each other, level, one solid shape. */
export function detectSubject(rgba: Uint8Array, w: number, h: number, subject: Subject): boolean {
  const left = blobOf(rgba, w, h, PALETTE[subject.left]);
  const right = blobOf(rgba, w, h, PALETTE[subject.right]);
  if (left.n < MIN_PIXELS || right.n < MIN_PIXELS) return false;
  const [x0, y0] = [Math.min(left.box[0], right.box[0]), Math.min(left.box[1], right.box[1])];
  const [x1, y1] = [Math.max(left.box[2], right.box[2]), Math.max(left.box[3], right.box[3])];
  const width = x1 - x0 + 1;
  const height = y1 - y0 + 1;
  const apart = right.cx - left.cx;
  return (
    apart >= width / 6 && Math.abs(right.cy - left.cy) <= height / 4 && (left.n + right.n) / (width * height) >= FILL
  );
}
