// Imagic on the demo model, through the engine's own stages (ImagicEngine.trainAsync / renderAsync): for each held-out
// scene and edit (eval-cases.ts), stages 1–2 once, then stage 3 for every (η, seed). An output counts as a successful
// edit when the classifier reads the target caption back and the shape stays where it was (mask IoU with the input's
// ≥ MIN_IOU). η = 0 outputs are scored by PSNR against the input (the reconstruction Imagic promises at η = 0).
import type { RgbaImage } from '../images/decode-image.ts';
import { ImagicEngine } from '../engine/imagic-engine.ts';
import type { SampleSettings, TrainSettings } from '../engine/settings.ts';
import { classify, maskIoU } from './classifier.ts';
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
import { mean, psnr, round } from './image-metrics.ts';
import { SCENE_SIZE } from './scene.ts';

/** The position bar: the output's shape mask overlaps the input's with IoU ≥ 0.7. */
export const MIN_IOU = 0.7;
/**
 * The η sweep the issue asks for (0 to 1.2), the paper's usual 0.7, and on to 2, the protocol's limit
 * (SamplingSettings.etas): on the demo model some edits only land well past 1.
 */
export const SWEEP_ETAS = [0, 0.2, 0.4, 0.6, 0.7, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2] as const;

export interface ImagicEvalOptions {
  readonly train: TrainSettings;
  readonly sample: Omit<SampleSettings, 'etas' | 'seeds'>;
  readonly seeds: readonly number[];
  readonly images: number;
  /** The first scene's index (0 unless given). */
  readonly from?: number;
  /** The η to sample, instead of the full sweep (the default η is always added): probes that need only η = 0 and the default. */
  readonly etas?: readonly number[];
  readonly kinds?: readonly EditKind[];
  readonly defaultEta: number;
  /** Also the mask figures (MaskFigures): DiffEdit's mask from e_opt, and the default η inside the true region. */
  readonly masks?: boolean;
  readonly onCase?: (done: number, total: number, c: EditCase) => void;
}

/** Imagic with masks (issue: quick edits and masks), at the default η. */
export interface MaskFigures {
  /** DiffEdit's automatic mask with e_opt as the source text, against the true changed region (eval-cases.ts). */
  readonly autoMaskIoU: {
    readonly mean: number;
    readonly colour: number;
    readonly shape: number;
    readonly min: number;
  };
  /** Rendered inside a selection around the changed region (eval-cases.ts selectionAround): edit success, and the kept pixels' largest change. */
  readonly withMask: { readonly success: number; readonly maxKeptDifference: number };
  /** The same outputs without a mask, for comparison. */
  readonly withoutMask: { readonly success: number; readonly maxKeptDifference: number };
}

export interface Scored {
  readonly case: number;
  readonly seed: number;
  readonly read: string;
  readonly kind: EditKind;
  readonly eta: number;
  readonly success: boolean;
  readonly psnr: number;
  readonly iou: number;
}

export interface ImagicEvalResult {
  readonly cases: number;
  readonly outputsPerEta: number;
  /** η = 0 against the input, over every (case, seed). */
  readonly reconstruction: { readonly meanPsnr: number; readonly minPsnr: number; readonly fractionAbove30: number };
  readonly atDefaultEta: {
    readonly eta: number;
    readonly success: number;
    readonly colour: number;
    readonly shape: number;
  };
  readonly sweep: readonly {
    readonly eta: number;
    readonly success: number;
    readonly colour: number;
    readonly shape: number;
    readonly psnrToInput: number;
    readonly meanIoU: number;
  }[];
  readonly secondsPerCase: number;
  /** Each case's outputs: η = 0 PSNR and, at the default η, what the classifier read and the mask IoU, per seed. */
  readonly perCase: readonly CaseOutcome[];
  readonly masks?: MaskFigures;
}

export interface CaseOutcome {
  readonly input: string;
  readonly prompt: string;
  readonly kind: EditKind;
  readonly reconstructionPsnr: readonly number[];
  readonly atDefaultEta: readonly {
    readonly seed: number;
    readonly read: string;
    readonly iou: number;
    readonly success: boolean;
  }[];
}

export function score(
  c: EditCase,
  caseIndex: number,
  seed: number,
  out: RgbaImage,
  eta: number,
  inputMask: Uint8Array,
): Scored {
  const read = classify(out.rgba, out.width, out.height);
  const t = c.target;
  const iou = maskIoU(read.mask, inputMask);
  const matches = read.colour === t.colour && read.shape === t.shape && read.background === t.background;
  const readCaption = `${read.colour} ${read.shape} on ${read.background}`;
  return {
    case: caseIndex,
    seed,
    read: readCaption,
    kind: c.kind,
    eta,
    success: matches && iou >= MIN_IOU,
    psnr: psnr(out.rgba, c.input.rgba),
    iou,
  };
}

/** One row of a sweep (η here, strength in eval-quick.ts): success overall and per kind, PSNR and mask IoU to the input. */
export function sweepFigures(rows: readonly Scored[]) {
  const byKind = (kind: EditKind) => rate(rows.filter((r) => r.kind === kind));
  return {
    success: rate(rows),
    colour: byKind('colour'),
    shape: byKind('shape'),
    psnrToInput: round(mean(rows.map((r) => Math.min(r.psnr, 99))), 2),
    meanIoU: round(mean(rows.map((r) => r.iou))),
  };
}

export const rate = (rows: readonly Scored[]) => round(rows.filter((r) => r.success).length / Math.max(1, rows.length));

export async function evaluateImagic(modelDir: string, o: ImagicEvalOptions): Promise<ImagicEvalResult> {
  const cases = editCases(o.images, o.kinds, o.from);
  // η = 0 always: the reconstruction is scored there.
  const etas = [...new Set([0, ...(o.etas ?? SWEEP_ETAS), o.defaultEta])].sort((a, b) => a - b);
  const engine = await ImagicEngine.openAsync({ modelDir, provider: 'cpu' });
  const scored: Scored[] = [];
  const masked: { kind: EditKind; autoIoU: number; with: Scored[]; keptWith: number; keptWithout: number }[] = [];
  const t0 = performance.now();
  try {
    for (const [i, c] of cases.entries()) {
      const image: RgbaImage = { width: SCENE_SIZE, height: SCENE_SIZE, rgba: c.input.rgba };
      const inputMask = classify(c.input.rgba, SCENE_SIZE, SCENE_SIZE).mask;
      const { state } = await engine.trainAsync(image, c.prompt, o.train);
      const outputs = await engine.renderAsync(state, { ...o.sample, etas, seeds: [...o.seeds] });
      for (const out of outputs)
        scored.push(
          score(c, i, out.seed, { width: out.width, height: out.height, rgba: out.rgba }, out.eta, inputMask),
        );
      if (o.masks) {
        const truth = changedRegion(c);
        const auto = await engine.autoMaskAsync(image, c.prompt, state.embeddings.optimized).catch(() => null);
        const at = { ...o.sample, etas: [o.defaultEta], seeds: [...o.seeds] };
        const selection = selectionAround(c);
        const region = { mask: selection, featherPx: defaultFeatherPx(image) };
        const inside = await engine.renderAsync(state, at, {}, region);
        const plain = outputs.filter((out) => out.eta === o.defaultEta);
        masked.push({
          kind: c.kind,
          autoIoU: auto === null ? 0 : regionIoU(auto, truth),
          with: inside.map((out) => score(c, i, out.seed, out, out.eta, inputMask)),
          keptWith: Math.max(...inside.map((out) => maxKeptDifference(out.rgba, c.input.rgba, selection))),
          keptWithout: Math.max(...plain.map((out) => maxKeptDifference(out.rgba, c.input.rgba, selection))),
        });
      }
      o.onCase?.(i + 1, cases.length, c);
    }
  } finally {
    await engine.closeAsync();
  }
  const at = (eta: number) => scored.filter((s) => s.eta === eta);
  const recon = at(0).map((s) => s.psnr);
  const byKind = (rows: readonly Scored[], kind: EditKind) => rate(rows.filter((r) => r.kind === kind));
  return {
    cases: cases.length,
    outputsPerEta: at(0).length,
    reconstruction: {
      meanPsnr: round(mean(recon), 2),
      minPsnr: round(Math.min(...recon), 2),
      fractionAbove30: round(recon.filter((p) => p >= 30).length / recon.length),
    },
    atDefaultEta: {
      eta: o.defaultEta,
      success: rate(at(o.defaultEta)),
      colour: byKind(at(o.defaultEta), 'colour'),
      shape: byKind(at(o.defaultEta), 'shape'),
    },
    sweep: etas.map((eta) => ({ eta, ...sweepFigures(at(eta)) })),
    secondsPerCase: round((performance.now() - t0) / 1000 / Math.max(1, cases.length), 1),
    ...(o.masks ? { masks: maskFigures(masked, at(o.defaultEta)) } : {}),
    perCase: cases.map((c, i) => {
      const mine = scored.filter((s) => s.case === i);
      return {
        input: c.input.caption,
        prompt: c.prompt,
        kind: c.kind,
        reconstructionPsnr: mine.filter((s) => s.eta === 0).map((s) => round(s.psnr, 2)),
        atDefaultEta: mine
          .filter((s) => s.eta === o.defaultEta)
          .map((s) => ({ seed: s.seed, read: s.read, iou: round(s.iou), success: s.success })),
      };
    }),
  };
}

function maskFigures(
  masked: readonly { kind: EditKind; autoIoU: number; with: Scored[]; keptWith: number; keptWithout: number }[],
  withoutMask: readonly Scored[],
): MaskFigures {
  const iou = (rows: typeof masked) => round(mean(rows.map((m) => m.autoIoU)));
  return {
    autoMaskIoU: {
      mean: iou(masked),
      colour: iou(masked.filter((m) => m.kind === 'colour')),
      shape: iou(masked.filter((m) => m.kind === 'shape')),
      min: round(Math.min(...masked.map((m) => m.autoIoU))),
    },
    withMask: {
      success: rate(masked.flatMap((m) => m.with)),
      maxKeptDifference: Math.max(...masked.map((m) => m.keptWith)),
    },
    withoutMask: { success: rate(withoutMask), maxKeptDifference: Math.max(...masked.map((m) => m.keptWithout)) },
  };
}
