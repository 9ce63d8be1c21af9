// The protocol's EditRequest in the engine's terms. Whole-UNet fine-tuning (adapterRank 0, the paper's setting)
// does not fit in a consumer GPU's memory through our in-graph autodiff, so the engine trains low-rank adapters
// only: a request with adapterRank 0 gets the model's recommended adapters (package-settings.ts) over its preset's,
// including the adapter learning rate (a whole-UNet rate such as 2e-6 would leave rank-4 adapters untrained). A request
// without a stage-1 rate or without step counts gets the model's recommendation for its preset, else the preset's.
import type { EditRequest, Preset, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import type { RecommendedSample, RecommendedTrain } from '../engine/package-settings.ts';
import { PRESETS, validateSampleSettings, validateTrainSettings, type SampleSettings, type TrainSettings } from '../engine/settings.ts';

/** Seeds the training noise; fixed so that the same request trains the same edit. */
const TRAIN_SEED = 0;

export function trainSettingsOf(request: EditRequest, recommended: RecommendedTrain = {}): TrainSettings {
  const preset = { ...PRESETS[request.preset].train, ...recommended };
  const { fineTune: f } = request;
  const adapters =
    f.adapterRank > 0
      ? { adapterRank: f.adapterRank, adapterAlpha: f.adapterRank, adapterTargets: f.adapterTargets, tuneLr: f.tuneLr }
      : { adapterRank: preset.adapterRank, adapterAlpha: preset.adapterAlpha, adapterTargets: preset.adapterTargets, tuneLr: preset.tuneLr, ...(preset.tuneLrSchedule ? { tuneLrSchedule: preset.tuneLrSchedule } : {}) };
  const schedule = preset.embedLrSchedule ? { embedLrSchedule: preset.embedLrSchedule } : {};
  return validateTrainSettings({ embedSteps: f.embedSteps ?? preset.embedSteps, embedLr: f.embedLr ?? preset.embedLr, ...schedule, tuneSteps: f.tuneSteps ?? preset.tuneSteps, ...adapters, seed: TRAIN_SEED });
}

/** What a request may leave out of its sampling, and what it then gets. */
export type SamplingFallback = Pick<SampleSettings, 'guidanceScale' | 'lateAdapters'>;

/**
 * A request's sampling in the engine's terms. What a request leaves out (the guidance scale, the late-step fading)
 * comes from `fallback`: for a new edit the model's recommendation, else the preset's; for a re-render what the edit
 * was rendered with.
 */
export function sampleSettingsOf(sampling: SamplingSettings, fallback: SamplingFallback): SampleSettings {
  const { guidanceScale, lateAdapters, ...rest } = sampling;
  const late = lateAdapters ?? fallback.lateAdapters;
  return validateSampleSettings({ ...rest, guidanceScale: guidanceScale ?? fallback.guidanceScale, ...(late ? { lateAdapters: late } : {}) });
}

/** What a new edit's sampling falls back to: the model's recommendation, else the preset's (which fades nothing). */
export function defaultSampling(preset: Preset, recommended: RecommendedSample): SamplingFallback {
  const late = recommended.lateAdapters;
  return { guidanceScale: recommended.guidanceScale ?? PRESETS[preset].sample.guidanceScale, ...(late ? { lateAdapters: late } : {}) };
}

/**
 * The protocol orders outputs etas-major (all seeds of the first η, then the next η); the engine samples
 * seeds-major. Sorts by the position of each output's η, then its seed, in the request.
 */
export function etasMajor<T extends { eta: number; seed: number }>(outputs: readonly T[], sampling: Pick<SamplingSettings, 'etas' | 'seeds'>): T[] {
  const rank = (o: T) => sampling.etas.indexOf(o.eta) * sampling.seeds.length + sampling.seeds.indexOf(o.seed);
  return [...outputs].sort((a, b) => rank(a) - rank(b));
}
