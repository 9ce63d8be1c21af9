// Quick edits (SDEdit, engine/quick-edit.ts) on the demo model: for each held-out scene and edit (eval-cases.ts), the
// base model edits the layer at every strength of the sweep, and each output is scored as Imagic's are (eval-imagic.ts
// `score`: the classifier reads the target caption back and the shape stays where it was) and by PSNR to the input.
// The default strength is chosen from this table: the lowest strength whose edits succeed about as often as any.
import type { RgbaImage } from '../images/decode-image.ts';
import { ImagicEngine } from '../engine/imagic-engine.ts';
import type { SampleSettings } from '../engine/settings.ts';
import { classify } from './classifier.ts';
import { editCases, type EditCase, type EditKind } from './eval-cases.ts';
import { rate, score, type Scored } from './eval-imagic.ts';
import { mean, round } from './image-metrics.ts';
import { SCENE_SIZE } from './scene.ts';

/** The range, 0.3 to 1 (1 is generation from the prompt alone). */
export const STRENGTH_SWEEP = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;

export interface QuickEvalOptions {
  readonly sample: Omit<SampleSettings, 'etas' | 'seeds' | 'lateAdapters' | 'strength'>;
  readonly seeds: readonly number[];
  readonly images: number;
  readonly from?: number;
  readonly strengths?: readonly number[];
  readonly onCase?: (done: number, total: number, c: EditCase) => void;
}

export interface QuickEvalResult {
  readonly cases: number;
  readonly outputsPerStrength: number;
  readonly steps: number;
  readonly sweep: readonly {
    readonly strength: number;
    readonly success: number;
    readonly colour: number;
    readonly shape: number;
    readonly psnrToInput: number;
    readonly meanIoU: number;
    /** Engine time per quick edit of one 64×64 layer with one output (the model already open). */
    readonly msPerEdit: number;
  }[];
}

export async function evaluateQuick(modelDir: string, o: QuickEvalOptions): Promise<QuickEvalResult> {
  const cases = editCases(o.images, undefined, o.from);
  const strengths = o.strengths ?? STRENGTH_SWEEP;
  const engine = await ImagicEngine.openAsync({ modelDir, provider: 'cpu' });
  const scored: (Scored & { strength: number })[] = [];
  const ms = new Map<number, number[]>();
  try {
    for (const [i, c] of cases.entries()) {
      const image: RgbaImage = { width: SCENE_SIZE, height: SCENE_SIZE, rgba: c.input.rgba };
      const inputMask = classify(c.input.rgba, SCENE_SIZE, SCENE_SIZE).mask;
      for (const strength of strengths)
        for (const seed of o.seeds) {
          const t0 = performance.now();
          const [out] = await engine.quickEditAsync(
            image,
            c.prompt,
            { ...o.sample, etas: [1], seeds: [seed] },
            strength,
          );
          ms.set(strength, [...(ms.get(strength) ?? []), performance.now() - t0]);
          scored.push({ ...score(c, i, seed, out!, strength, inputMask), strength });
        }
      o.onCase?.(i + 1, cases.length, c);
    }
  } finally {
    await engine.closeAsync();
  }
  const byKind = (rows: readonly Scored[], kind: EditKind) => rate(rows.filter((r) => r.kind === kind));
  return {
    cases: cases.length,
    outputsPerStrength: cases.length * o.seeds.length,
    steps: o.sample.steps,
    sweep: strengths.map((strength) => {
      const rows = scored.filter((s) => s.strength === strength);
      return {
        strength,
        success: rate(rows),
        colour: byKind(rows, 'colour'),
        shape: byKind(rows, 'shape'),
        psnrToInput: round(mean(rows.map((r) => Math.min(r.psnr, 99))), 2),
        meanIoU: round(mean(rows.map((r) => r.iou))),
        msPerEdit: Math.round(mean(ms.get(strength) ?? [])),
      };
    }),
  };
}
