// An appearance the demo model has never seen, for subject adapters (issue: learn from layers): a shape of one colour
// with a core of another, the same shape at half the size at its centre (the data set draws one flat colour per
// shape). `detectSubject` finds it in a sample independently of any model: enough pixels of both colours, the core's
// centroid inside the outer colour's extent, near its centre.
import { PALETTE, coverage, renderScene, withSlots, type Colour, type Rgb8, type SceneSpec } from './scene.ts';

export interface Subject {
  readonly outer: Colour;
  readonly core: Colour;
}

/** The subject drawn at `spec`'s shape, position, size and background (spec.colour is ignored). */
export function renderSubject(spec: SceneSpec, subject: Subject, size: number): Uint8Array {
  const outer = renderScene(withSlots(spec, { colour: subject.outer }), size);
  const inner = coverage({ ...spec, r: spec.r / 2 }, size);
  const fg = PALETTE[subject.core];
  for (let p = 0; p < inner.length; p++) {
    const a = inner[p]!;
    for (let c = 0; c < 3; c++) outer[p * 4 + c] = Math.round(a * fg[c]! + (1 - a) * outer[p * 4 + c]!);
  }
  return outer;
}

/** A pixel counts as a colour when it is this close to it (RGB distance): anti-aliased edges between two are not. */
const NEAR = 70;
/** Each colour must cover at least this many pixels of a 32×32 sample. */
const MIN_PIXELS = { outer: 12, core: 4 } as const;
/** The two colours' share of the outer colour's bounding box: a triangle fills half of it, a disc 0.79. */
const FILL = 0.45;

const near = (rgba: Uint8Array, p: number, c: Rgb8) =>
  Math.hypot(rgba[p * 4]! - c[0], rgba[p * 4 + 1]! - c[1], rgba[p * 4 + 2]! - c[2]) < NEAR;

/** Whether `rgba` (w × h) shows the subject: both colours, the core inside the outer colour's box, near its centre. */
export function detectSubject(rgba: Uint8Array, w: number, h: number, subject: Subject): boolean {
  const stats = (c: Rgb8) => {
    let n = 0;
    let sx = 0;
    let sy = 0;
    let x0 = w;
    let x1 = -1;
    let y0 = h;
    let y1 = -1;
    for (let p = 0; p < w * h; p++) {
      if (!near(rgba, p, c)) continue;
      const x = p % w;
      const y = Math.floor(p / w);
      n++;
      sx += x;
      sy += y;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
    return { n, cx: sx / n, cy: sy / n, x0, x1, y0, y1 };
  };
  const outer = stats(PALETTE[subject.outer]);
  const core = stats(PALETTE[subject.core]);
  if (outer.n < MIN_PIXELS.outer || core.n < MIN_PIXELS.core) return false;
  const inside = core.cx > outer.x0 && core.cx < outer.x1 && core.cy > outer.y0 && core.cy < outer.y1;
  // The core sits at the middle of the outer box, within a quarter of its size.
  const mx = (outer.x0 + outer.x1) / 2;
  const my = (outer.y0 + outer.y1) / 2;
  const reach = Math.max(outer.x1 - outer.x0, outer.y1 - outer.y0) / 4;
  // One solid shape, not scattered pixels of both colours: they fill most of the outer colour's box (a disc, π/4).
  const box = (outer.x1 - outer.x0 + 1) * (outer.y1 - outer.y0 + 1);
  return inside && Math.hypot(core.cx - mx, core.cy - my) <= reach && (outer.n + core.n) / box >= FILL;
}
