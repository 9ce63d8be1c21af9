// Everything that decides an edit's result, split as the paper's stages are (docs/method.md §2): TrainSettings drive
// stages 1–2 and are saved with the edit; SampleSettings drive stage 3 and may change on every re-render.
// Presets are rows of one table; the CLI's flags override single fields.
import type { SchedulerName } from '../diffusion/schedulers/samplers.ts';
import type { Preset } from '../../../shared/src/protocol/edit-request.ts';
import { fail } from '../errors.ts';
import { isAdapterTarget, type AdapterTarget } from './adapter-targets.ts';
import { validateLateAdapters, type LateAdapters } from './late-adapters.ts';
import type { LrSchedule } from './lr-schedule.ts';
import { schedulers } from '../diffusion/schedulers/samplers.ts';

export type { Preset };

export interface TrainSettings {
  /** Stage 1: Adam steps and learning rate on the text embedding. */
  readonly embedSteps: number;
  readonly embedLr: number;
  /** Stage 1's learning-rate schedule (lr-schedule.ts); constant when absent, as the paper's. */
  readonly embedLrSchedule?: LrSchedule;
  /** Stage 2: Adam steps and learning rate on the adapters. */
  readonly tuneSteps: number;
  readonly tuneLr: number;
  /** Stage 2's learning-rate schedule (lr-schedule.ts); constant when absent, as the paper's. */
  readonly tuneLrSchedule?: LrSchedule;
  readonly adapterRank: number;
  /** LoRA's alpha: the update is scaled by alpha / rank. */
  readonly adapterAlpha: number;
  readonly adapterTargets: readonly AdapterTarget[];
  /** Seeds the training noise (t, ε) and the adapters' initialisation. */
  readonly seed: number;
}

export interface SampleSettings {
  /** ē = η·e_tgt + (1 − η)·e_opt for each η (paper eq. 3). */
  readonly etas: readonly number[];
  readonly seeds: readonly number[];
  readonly steps: number;
  readonly guidanceScale: number;
  readonly sampler: SchedulerName;
  /** Fade the adapters over the late steps as η grows (late-adapters.ts); absent: full strength throughout. */
  readonly lateAdapters?: LateAdapters | undefined;
}

export interface PresetRow {
  readonly train: Omit<TrainSettings, 'seed'>;
  readonly sample: Omit<SampleSettings, 'etas' | 'seeds'>;
}

/**
 * Adapter defaults, from `npm run bench -- imagic --sweep` on the tiny package (300 stage-2 steps from the same
 * (t, ε) draws; loss = mean of the last 30 steps, the first 30 at ~1.0–1.2):
 *   targets \ (lr, rank)       1e-3,4  1e-3,8  3e-3,4  3e-3,8  1e-2,4  1e-2,8  3e-2,8
 *   attention (q, k, v, out)    0.86    0.79    0.73    0.70    0.70    0.74    1.01
 *   + every conv (LoCon)        0.40    0.30    0.22    0.19    0.19    0.17    1.00
 *   + feed-forward              0.42    0.30    0.23    0.18    0.20    0.18    1.02
 * The convs matter most (attention-only adapters cannot reach the spatial detail a reconstruction needs); the
 * feed-forward adds nothing measurable, so it is left out (fewer parameters to save per edit). Rank 8 beats rank 4
 * at every rate. 3e-3 rather than 1e-2: 1e-2 is only ~10% lower after 300 steps while 3e-2 already diverges, so
 * 3e-3 keeps a 10× margin below the unstable rate over the presets' 1000+ steps. (LoRA rates are ~1000× the
 * paper's full fine-tuning rate of 5e-7: the update only moves the low-rank product.)
 */
const ADAPTER_DEFAULTS = {
  adapterRank: 8,
  adapterAlpha: 8,
  tuneLr: 3e-3,
  adapterTargets: ['to_q', 'to_k', 'to_v', 'to_out', 'conv'],
} as const;

export const PRESETS: Readonly<Record<Preset, PresetRow>> = {
  /**
   * About 40% of the community preset's UNet work (cost.ts): a twelfth of its stage-1 steps at ten times the rate and
   * half its stage-2 steps at twice the rate, both annealed (cosine), and 20 sampling steps. On the demo model, which
   * recommends its own numbers for it, it edits a little worse than community (models/demo/README.md, "The quick
   * preset"): no setting at 10% of the work matched community's quality there, so community stays the default. For SD
   * these rows carry the same trade over, with DPM++ 2M Karras for 20 good sampling steps; not measured on SD.
   */
  quick: {
    train: {
      ...ADAPTER_DEFAULTS,
      embedSteps: 40,
      embedLr: 1e-2,
      embedLrSchedule: 'cosine',
      tuneSteps: 550,
      tuneLr: 6e-3,
      tuneLrSchedule: 'cosine',
    },
    sample: { steps: 20, guidanceScale: 7.5, sampler: 'dpmpp2m-karras' },
  },
  /** Previews and CI: a handful of steps per stage; the result is only roughly the edit. */
  fast: {
    train: { ...ADAPTER_DEFAULTS, embedSteps: 20, embedLr: 1e-3, tuneSteps: 60 },
    sample: { steps: 10, guidanceScale: 3, sampler: 'ddim' },
  },
  /** The diffusers community pipeline's numbers (docs/method.md §3.2). */
  community: {
    train: { ...ADAPTER_DEFAULTS, embedSteps: 500, embedLr: 1e-3, tuneSteps: 1000 },
    sample: { steps: 50, guidanceScale: 7.5, sampler: 'ddim' },
  },
  /** The paper's Stable Diffusion numbers. */
  paper: {
    train: { ...ADAPTER_DEFAULTS, embedSteps: 1000, embedLr: 2e-3, tuneSteps: 1500 },
    sample: { steps: 50, guidanceScale: 7.5, sampler: 'ddim' },
  },
};

/** What an edit runs with when no preset is named: the CLI's, the panel's and the demo evaluation's. */
export const DEFAULT_PRESET: Preset = 'community';

export const isPreset = (value: string): value is Preset => Object.hasOwn(PRESETS, value);

const positiveInt = (v: number) => Number.isSafeInteger(v) && v > 0;

/** Range checks with coded errors naming the field (INVALID_SPEC). */
export function validateTrainSettings(s: TrainSettings): TrainSettings {
  const bad = (field: string, why: string) => fail('INVALID_SPEC', `${field}: ${why}`);
  if (!Number.isSafeInteger(s.embedSteps) || s.embedSteps < 0)
    bad('embedSteps', `must be an integer ≥ 0, got ${s.embedSteps}`);
  if (!Number.isSafeInteger(s.tuneSteps) || s.tuneSteps < 0)
    bad('tuneSteps', `must be an integer ≥ 0, got ${s.tuneSteps}`);
  for (const [k, v] of [
    ['embedLr', s.embedLr],
    ['tuneLr', s.tuneLr],
    ['adapterAlpha', s.adapterAlpha],
  ] as const)
    if (!(v > 0 && Number.isFinite(v))) bad(k, `must be > 0, got ${v}`);
  if (!positiveInt(s.adapterRank))
    bad('adapterRank', `must be a positive integer (whole-UNet fine-tuning is not supported), got ${s.adapterRank}`);
  if (s.adapterTargets.length === 0 || !s.adapterTargets.every(isAdapterTarget))
    bad('adapterTargets', `must name at least one of to_q, to_k, to_v, to_out, ff, conv`);
  if (!Number.isSafeInteger(s.seed) || s.seed < 0) bad('seed', `must be an integer ≥ 0, got ${s.seed}`);
  return s;
}

export function validateSampleSettings(s: SampleSettings): SampleSettings {
  const bad = (field: string, why: string) => fail('INVALID_SPEC', `${field}: ${why}`);
  if (s.etas.length === 0 || !s.etas.every((e) => Number.isFinite(e) && e >= -0.5 && e <= 2))
    bad('eta', `each η must be a number in [-0.5, 2], got ${s.etas.join(',')}`);
  if (s.seeds.length === 0 || !s.seeds.every((v) => Number.isSafeInteger(v) && v >= 0 && v <= 0xffffffff))
    bad('seeds', `each seed must be an integer in [0, 2^32), got ${s.seeds.join(',')}`);
  if (!positiveInt(s.steps) || s.steps > 1000) bad('steps', `must be an integer in 1..1000, got ${s.steps}`);
  if (!(s.guidanceScale >= 0 && s.guidanceScale <= 30)) bad('guidance', `must be in [0, 30], got ${s.guidanceScale}`);
  if (!Object.hasOwn(schedulers, s.sampler))
    bad('sampler', `must be one of ${Object.keys(schedulers).join(', ')}, got ${s.sampler}`);
  if (s.lateAdapters !== undefined) validateLateAdapters(s.lateAdapters);
  return s;
}
