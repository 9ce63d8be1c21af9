// The demo's judge: reads background, colour and shape back from pixels, written independently of any model so that
// evaluating a model with it measures the model and not the judge (issue 5's quality bar). Steps:
//   1. background = the median colour of the border ring, named by the nearest palette background;
//   2. foreground colour = the mean of the pixels farthest from that background, named by the nearest palette colour;
//   3. coverage α_p = the projection of each pixel onto the background→foreground segment, clamped to [0, 1];
//      the shape mask is the largest 4-connected component of α > 0.5;
//   4. shape from normalised central image moments of α over that component (Hu 1962, "Visual pattern recognition
//      by moment invariants"): an upright triangle's vertical skewness μ03/μ02^1.5 is ≈ ±0.57 where a circle's and a
//      square's are 0; a disc's kurtosis ratio (μ40 + μ04)/(2·μ22) is 3 where an axis-aligned square's is 1.8.
import { BACKGROUNDS, COLOURS, PALETTE, type Background, type Colour, type Rgb8, type Shape } from './scene.ts';

export interface Classification {
  readonly background: Background;
  /** 'none' when nothing stands out from the background. */
  readonly colour: Colour | 'none';
  readonly shape: Shape | 'none';
  /** The shape mask (largest component of α > 0.5), row-major, 1 = shape. */
  readonly mask: Uint8Array;
  readonly features: { readonly area: number; readonly skew: number; readonly kurtosis: number };
}

/** |skewness| above this is a triangle: half of an equilateral triangle's 0.566. */
const TRIANGLE_SKEW = 0.28;
/** Kurtosis ratio above this is a circle (3), below a square (1.8): their geometric mean. */
const CIRCLE_KURTOSIS = Math.sqrt(3 * 1.8);
/** A foreground must differ from the background by this much (RGB distance, 0–441) and cover this many pixels. */
const MIN_CONTRAST = 40;
const MIN_AREA_PX = 6;
/** Pixels at least this fraction of the way to the farthest ones vote on the foreground colour. */
const CORE_FRACTION = 0.8;

const dist = (a: Rgb8, b: Rgb8) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
const nearest = <T extends Colour | Background>(names: readonly T[], c: Rgb8): T =>
  names.reduce((best, n) => (dist(PALETTE[n], c) < dist(PALETTE[best], c) ? n : best));
const pixel = (rgba: Uint8Array, p: number): Rgb8 => [rgba[p * 4]!, rgba[p * 4 + 1]!, rgba[p * 4 + 2]!];

function median(values: number[]): number {
  const s = values.sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function borderMedian(rgba: Uint8Array, w: number, h: number): Rgb8 {
  const ring: number[] = [];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) if (x === 0 || y === 0 || x === w - 1 || y === h - 1) ring.push(y * w + x);
  return [0, 1, 2].map((c) => median(ring.map((p) => rgba[p * 4 + c]!))) as unknown as Rgb8;
}

/** Largest 4-connected component of `on`, as a 0/1 mask. */
export function largestComponent(on: Uint8Array, w: number, h: number): Uint8Array {
  const label = new Int32Array(on.length).fill(-1);
  let best: number[] = [];
  for (let start = 0; start < on.length; start++) {
    if (!on[start] || label[start] !== -1) continue;
    const members = [start];
    label[start] = start;
    for (let i = 0; i < members.length; i++) {
      const p = members[i]!;
      const x = p % w;
      const y = (p - x) / w;
      for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1]) {
        if (q >= 0 && on[q] && label[q] === -1) {
          label[q] = start;
          members.push(q);
        }
      }
    }
    if (members.length > best.length) best = members;
  }
  const mask = new Uint8Array(on.length);
  for (const p of best) mask[p] = 1;
  return mask;
}

/** Normalised moment features of a coverage map restricted to a mask grown by one pixel (to keep anti-aliased edges). */
function momentFeatures(alpha: Float32Array, mask: Uint8Array, w: number, h: number) {
  const weight = new Float32Array(alpha.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let near = false;
      for (let dy = -1; dy <= 1 && !near; dy++)
        for (let dx = -1; dx <= 1 && !near; dx++)
          near = mask[Math.min(h - 1, Math.max(0, y + dy)) * w + Math.min(w - 1, Math.max(0, x + dx))] === 1;
      if (near) weight[y * w + x] = alpha[y * w + x]!;
    }
  }
  let m00 = 0;
  let mx = 0;
  let my = 0;
  for (let p = 0; p < weight.length; p++) {
    m00 += weight[p]!;
    mx += weight[p]! * ((p % w) + 0.5);
    my += weight[p]! * (Math.floor(p / w) + 0.5);
  }
  const cx = mx / m00;
  const cy = my / m00;
  const mu = (i: number, j: number) => {
    let s = 0;
    for (let p = 0; p < weight.length; p++)
      s += weight[p]! * ((p % w) + 0.5 - cx) ** i * (Math.floor(p / w) + 0.5 - cy) ** j;
    return s;
  };
  // Skewness of the vertical distribution: (μ03/m00) / (μ02/m00)^1.5.
  const skew = (mu(0, 3) * Math.sqrt(m00)) / mu(0, 2) ** 1.5;
  return { area: m00, skew, kurtosis: (mu(4, 0) + mu(0, 4)) / (2 * mu(2, 2)) };
}

export function classify(rgba: Uint8Array, w: number, h: number): Classification {
  const n = w * h;
  const bgEstimate = borderMedian(rgba, w, h);
  const background = nearest(BACKGROUNDS, bgEstimate);
  const d = new Float32Array(n);
  for (let p = 0; p < n; p++) d[p] = dist(pixel(rgba, p), bgEstimate);
  const far = Math.max(...d);
  const none = {
    background,
    colour: 'none',
    shape: 'none',
    mask: new Uint8Array(n),
    features: { area: 0, skew: 0, kurtosis: 0 },
  } as const;
  if (far < MIN_CONTRAST) return none;

  const core = [0, 0, 0];
  let count = 0;
  for (let p = 0; p < n; p++) {
    if (d[p]! < CORE_FRACTION * far) continue;
    for (let c = 0; c < 3; c++) core[c]! += rgba[p * 4 + c]!;
    count++;
  }
  const fg = core.map((v) => v / count) as unknown as Rgb8;
  const colour = nearest(COLOURS, fg);

  const axis = [fg[0] - bgEstimate[0], fg[1] - bgEstimate[1], fg[2] - bgEstimate[2]];
  const norm2 = axis[0]! ** 2 + axis[1]! ** 2 + axis[2]! ** 2;
  const alpha = new Float32Array(n);
  const on = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    let dot = 0;
    for (let c = 0; c < 3; c++) dot += (rgba[p * 4 + c]! - bgEstimate[c]!) * axis[c]!;
    alpha[p] = Math.min(1, Math.max(0, dot / norm2));
    on[p] = alpha[p]! > 0.5 ? 1 : 0;
  }
  const mask = largestComponent(on, w, h);
  if (mask.reduce((s, v) => s + v, 0) < MIN_AREA_PX) return { ...none, colour };
  const features = momentFeatures(alpha, mask, w, h);
  const shape: Shape =
    Math.abs(features.skew) > TRIANGLE_SKEW ? 'triangle' : features.kurtosis > CIRCLE_KURTOSIS ? 'circle' : 'square';
  return { background, colour, shape, mask, features };
}

/** Intersection over union of two 0/1 masks (1 when both are empty). */
export function maskIoU(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let p = 0; p < a.length; p++) {
    inter += a[p]! & b[p]!;
    union += a[p]! | b[p]!;
  }
  return union === 0 ? 1 : inter / union;
}
