// Quick edits (SDEdit, engine/quick-edit.ts) on the demo model: for each held-out scene and edit (eval-cases.ts), the
// base model edits the layer at every strength of the sweep, and each output is scored as Imagic's are (eval-imagic.ts
// `score`: the classifier reads the target caption back and the shape stays where it was) and by PSNR to the input.
// The default strength is chosen from this table (demo-settings.ts DEMO_QUICK_RATIONALE).
import type { RgbaImage } from '../images/decode-image.ts';
import { ImagicEngine } from '../engine/imagic-engine.ts';
import type { SampleSettings } from '../engine/settings.ts';
import { classify } from './classifier.ts';
import {
  changedRegion,
  editCases,
  maxKeptDifference,
  regionIoU,
  selectionAround,
  type EditCase,
  type EditKind,
} from './eval-cases.ts';
import { defaultFeatherPx } from '../engine/edit-region.ts';
import { rate, score, sweepFigures, type Scored } from './eval-imagic.ts';
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
  /** Also the mask figures at this strength (QuickMaskFigures). */
  readonly maskStrength?: number;
  readonly onCase?: (done: number, total: number, c: EditCase) => void;
}

/** Quick edits with masks at one strength. */
export interface QuickMaskFigures {
  readonly strength: number;
  /** DiffEdit's automatic mask against the true changed region, from the input's caption and from the empty prompt. */
  readonly autoMaskIoU: {
    readonly fromCaption: { readonly mean: number; readonly colour: number; readonly shape: number };
    readonly fromEmpty: { readonly mean: number; readonly colour: number; readonly shape: number };
  };
  /** Inside a selection around the changed region (selectionAround), and without: success, and the kept pixels' largest change. */
  readonly withMask: { readonly success: number; readonly maxKeptDifference: number };
  readonly withoutMask: { readonly success: number; readonly maxKeptDifference: number };
  /** Engine time of a quick edit with the automatic mask (the mask's 20 passes and the edit). */
  readonly msPerAutoMaskedEdit: number;
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
  readonly masks?: QuickMaskFigures;
}

export async function evaluateQuick(modelDir: string, o: QuickEvalOptions): Promise<QuickEvalResult> {
  const cases = editCases(o.images, undefined, o.from);
  const strengths = o.strengths ?? STRENGTH_SWEEP;
  const engine = await ImagicEngine.openAsync({ modelDir, provider: 'cpu' });
  const scored: (Scored & { strength: number })[] = [];
  const ms = new Map<number, number[]>();
  const masked: MaskedCase[] = [];
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
      if (o.maskStrength !== undefined) masked.push(await maskedCaseAsync(engine, c, i, o, o.maskStrength));
      o.onCase?.(i + 1, cases.length, c);
    }
  } finally {
    await engine.closeAsync();
  }
  return {
    cases: cases.length,
    outputsPerStrength: cases.length * o.seeds.length,
    steps: o.sample.steps,
    sweep: strengths.map((strength) => ({
      strength,
      ...sweepFigures(scored.filter((s) => s.strength === strength)),
      msPerEdit: Math.round(mean(ms.get(strength) ?? [])),
    })),
    ...(o.maskStrength === undefined ? {} : { masks: quickMaskFigures(masked, o.maskStrength) }),
  };
}

interface MaskedCase {
  readonly kind: EditKind;
  readonly iouCaption: number;
  readonly iouEmpty: number;
  readonly with: readonly Scored[];
  readonly without: readonly Scored[];
  readonly keptWith: number;
  readonly keptWithout: number;
  readonly msAuto: number;
}

async function maskedCaseAsync(
  engine: ImagicEngine,
  c: EditCase,
  i: number,
  o: QuickEvalOptions,
  strength: number,
): Promise<MaskedCase> {
  const image: RgbaImage = { width: SCENE_SIZE, height: SCENE_SIZE, rgba: c.input.rgba };
  const inputMask = classify(c.input.rgba, SCENE_SIZE, SCENE_SIZE).mask;
  const truth = changedRegion(c);
  const iouFrom = async (source: string) =>
    engine.autoMaskAsync(image, c.prompt, source).then(
      (mask) => regionIoU(mask, truth),
      () => 0,
    );
  const sample = { ...o.sample, etas: [1], seeds: [...o.seeds] };
  const selection = selectionAround(c);
  const region = { mask: selection, featherPx: defaultFeatherPx(image) };
  const inside = await engine.quickEditAsync(image, c.prompt, sample, strength, {}, region);
  const plain = await engine.quickEditAsync(image, c.prompt, sample, strength);
  const t0 = performance.now();
  const auto = await engine.autoMaskAsync(image, c.prompt, c.input.caption).catch(() => null);
  if (auto)
    await engine.quickEditAsync(
      image,
      c.prompt,
      { ...sample, seeds: [sample.seeds[0]!] },
      strength,
      {},
      { mask: auto, featherPx: 1 },
    );
  const msAuto = performance.now() - t0;
  return {
    kind: c.kind,
    iouCaption: auto === null ? 0 : regionIoU(auto, truth),
    iouEmpty: await iouFrom(''),
    with: inside.map((out) => score(c, i, out.seed, out, strength, inputMask)),
    without: plain.map((out) => score(c, i, out.seed, out, strength, inputMask)),
    keptWith: Math.max(...inside.map((out) => maxKeptDifference(out.rgba, c.input.rgba, selection))),
    keptWithout: Math.max(...plain.map((out) => maxKeptDifference(out.rgba, c.input.rgba, selection))),
    msAuto,
  };
}

function quickMaskFigures(masked: readonly MaskedCase[], strength: number): QuickMaskFigures {
  const iou = (pick: (m: MaskedCase) => number) => {
    const of = (rows: readonly MaskedCase[]) => round(mean(rows.map(pick)));
    return {
      mean: of(masked),
      colour: of(masked.filter((m) => m.kind === 'colour')),
      shape: of(masked.filter((m) => m.kind === 'shape')),
    };
  };
  return {
    strength,
    autoMaskIoU: { fromCaption: iou((m) => m.iouCaption), fromEmpty: iou((m) => m.iouEmpty) },
    withMask: {
      success: rate(masked.flatMap((m) => m.with)),
      maxKeptDifference: Math.max(...masked.map((m) => m.keptWith)),
    },
    withoutMask: {
      success: rate(masked.flatMap((m) => m.without)),
      maxKeptDifference: Math.max(...masked.map((m) => m.keptWithout)),
    },
    msPerAutoMaskedEdit: Math.round(mean(masked.map((m) => m.msAuto))),
  };
}
