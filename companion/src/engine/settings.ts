// Everything that decides an edit's result, split as the paper's stages are (docs/method.md §2): TrainSettings drive
// stages 1–2 and are saved with the edit; SampleSettings drive stage 3 and may change on every re-render.
// Presets are rows of one table, shared with the panel (shared/src/protocol/presets.ts); the CLI's flags override
// single fields.
import type { SchedulerName } from '../diffusion/schedulers/samplers.ts';
import type { Preset } from '../../../shared/src/protocol/edit-request.ts';
import { DEFAULT_PRESET, PRESETS, type PresetTrain } from '../../../shared/src/protocol/presets.ts';
import { fail } from '../errors.ts';
import { isAdapterTarget } from './adapter-targets.ts';
import { validateLateAdapters, type LateAdapters } from './late-adapters.ts';
import { schedulers } from '../diffusion/schedulers/samplers.ts';
import { validateStrength } from './quick-edit.ts';

export type { Preset };

/** A preset's training numbers (shared/src/protocol/presets.ts, PresetTrain) and the seed of the draws. */
export interface TrainSettings extends PresetTrain {
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
  /**
   * Start from the layer's own latent noised to this strength (SDEdit's start, quick-edit.ts) rather than from pure
   * noise; 1 or absent: from noise, as the paper samples.
   */
  readonly strength?: number | undefined;
  /**
   * Sample from the layer's edit-friendly DDPM inversion (its noise maps under e_opt, stage-inversion.ts) rather than
   * from fresh noise: η = 0 retraces the layer, and each seed draws its own maps.
   */
  readonly inversion?: boolean | undefined;
}

export { DEFAULT_PRESET, PRESETS };

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
  if (s.trainStrength !== undefined && !(s.trainStrength > 0 && s.trainStrength <= 1))
    bad('trainStrength', `must be in (0, 1], got ${s.trainStrength}`);
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
  if (s.strength !== undefined) validateStrength(s.strength);
  return s;
}
