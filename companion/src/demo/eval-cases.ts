// The evaluation's inputs: held-out scenes (a seed the training run never draws from) and, for each, the edits the
// issue asks for. Colour edits change the colour word; shape edits swap circle ↔ square. Edits to or from a triangle
// are left out: a triangle and a circle or square of the same area and centroid overlap with IoU ≈ 0.68 even when
// drawn perfectly, so they could never meet the 0.7 position bar.
import { example, type Example } from './dataset.ts';
import type { EditMask } from '../engine/edit-region.ts';
import { caption, COLOURS, coverage, SCENE_SIZE, withSlots, type SceneSpec } from './scene.ts';

/** Seed of the evaluation scenes; the training run uses DEMO_CONFIG.train.seed. */
export const EVAL_SEED = 9001;

export type EditKind = 'colour' | 'shape';

export interface EditCase {
  readonly index: number;
  readonly input: Example;
  readonly kind: EditKind;
  /** The scene the edit should produce: same position and size. */
  readonly target: SceneSpec;
  readonly prompt: string;
}

const SHAPE_SWAP = { circle: 'square', square: 'circle' } as const;

/** `images` scenes from index `from`: a later range is held out from settings chosen on the earlier one. */
export function editCases(images: number, kinds: readonly EditKind[] = ['colour', 'shape'], from = 0): EditCase[] {
  const cases: EditCase[] = [];
  for (let i = from; i < from + images; i++) {
    const input = example(EVAL_SEED, i);
    const s = input.spec;
    if (kinds.includes('colour')) {
      const colour = COLOURS[(COLOURS.indexOf(s.colour) + 1 + (i % (COLOURS.length - 1))) % COLOURS.length]!;
      const target = withSlots(s, { colour });
      cases.push({ index: i, input, kind: 'colour', target, prompt: caption(target) });
    }
    if (kinds.includes('shape') && s.shape !== 'triangle') {
      const target = withSlots(s, { shape: SHAPE_SWAP[s.shape] });
      cases.push({ index: i, input, kind: 'shape', target, prompt: caption(target) });
    }
  }
  return cases;
}

/**
 * Where an edit has to change the scene, from its exact shapes: the object for a colour edit, the union of the old and
 * the new shape for a shape edit (the pixels on and inside either outline).
 */
export function changedRegion(c: EditCase): EditMask {
  const before = coverage(c.input.spec);
  const after = coverage(c.target);
  return {
    width: SCENE_SIZE,
    height: SCENE_SIZE,
    change: Uint8Array.from(before, (v, i) => (v > 0.5 || (c.kind === 'shape' && after[i]! > 0.5) ? 1 : 0)),
  };
}

/**
 * The designer's mask the evaluation edits inside: the changed region grown by `px` pixels, as a selection drawn
 * around an object leaves room (an exact outline leaves a shape edit none: a square's footprint holds no circle's
 * background corners).
 */
export function selectionAround(c: EditCase, px = SELECTION_MARGIN_PX): EditMask {
  const exact = changedRegion(c);
  const { width, height } = exact;
  const change = exact.change.map((_, i) => {
    const x = i % width;
    const y = (i - x) / width;
    for (let dy = -px; dy <= px; dy++)
      for (let dx = -px; dx <= px; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx >= 0 && ny >= 0 && nx < width && ny < height && exact.change[ny * width + nx] === 1) return 1;
      }
    return 0;
  });
  return { width, height, change };
}

/** The selection's margin: 2 of the scene's 32 pixels (chosen on scenes 0–7, models/demo/README.md "Masks"). */
export const SELECTION_MARGIN_PX = 2;

/** Intersection over union of two masks' may-change pixels. */
export function regionIoU(a: EditMask, b: EditMask): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.change.length; i++) {
    inter += a.change[i]! & b.change[i]!;
    union += a.change[i]! | b.change[i]!;
  }
  return union === 0 ? 1 : inter / union;
}

/** The largest RGB difference between `out` and `input` over the pixels `mask` keeps (0: kept exactly). */
export function maxKeptDifference(out: Uint8Array, input: Uint8Array, mask: EditMask): number {
  let max = 0;
  for (let p = 0; p < mask.change.length; p++)
    if (mask.change[p] === 0)
      for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(out[4 * p + c]! - input[4 * p + c]!));
  return max;
}
