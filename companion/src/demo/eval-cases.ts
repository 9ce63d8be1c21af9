// The evaluation's inputs: held-out scenes (a seed the training run never draws from) and, for each, the edits the
// issue asks for. Colour edits change the colour word; shape edits swap circle ↔ square. Edits to or from a triangle
// are left out: a triangle and a circle or square of the same area and centroid overlap with IoU ≈ 0.68 even when
// drawn perfectly, so they could never meet the 0.7 position bar.
import { example, type Example } from './dataset.ts';
import { caption, COLOURS, withSlots, type SceneSpec } from './scene.ts';

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
