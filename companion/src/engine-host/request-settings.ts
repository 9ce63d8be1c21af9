// The protocol's EditRequest as the caller's own settings of the one resolver (engine/edit-settings.ts): what the
// request states overrides the model's recommendation and the preset; what it leaves out does not. The adapters come
// as `fineTune.adapters`, or in the older three fields (adapterRank N > 0, adapterTargets, tuneLr); adapterRank 0 or
// no adapters at all means the model's recommended adapters with their own rate (the engine trains adapters only:
// whole-UNet fine-tuning does not fit a consumer GPU through its in-graph autodiff).
import type { EditRequest, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import type { OwnSettings, Some } from '../engine/edit-settings.ts';
import type { TrainSettings } from '../engine/settings.ts';

/** A request's training and sampling fields, as the resolver's own settings. */
export function requestSettings(request: EditRequest): OwnSettings {
  const f = request.fineTune;
  const stated =
    f.adapters ?? (f.adapterRank ? { rank: f.adapterRank, targets: f.adapterTargets ?? [], lr: f.tuneLr } : undefined);
  const adapters: Some<TrainSettings> = stated
    ? { adapterRank: stated.rank, adapterAlpha: stated.rank, adapterTargets: stated.targets, tuneLr: stated.lr }
    : {};
  const train: Some<TrainSettings> = {
    embedSteps: f.embedSteps,
    embedLr: f.embedLr,
    tuneSteps: f.tuneSteps,
    ...adapters,
  };
  return { train, sample: request.sampling };
}

/**
 * The protocol orders outputs etas-major (all seeds of the first η, then the next η); the engine samples
 * seeds-major. Sorts by the position of each output's η, then its seed, in the request.
 */
export function etasMajor<T extends { eta: number; seed: number }>(
  outputs: readonly T[],
  sampling: Pick<SamplingSettings, 'etas' | 'seeds'>,
): T[] {
  const rank = (o: T) => sampling.etas.indexOf(o.eta) * sampling.seeds.length + sampling.seeds.indexOf(o.seed);
  return [...outputs].sort((a, b) => rank(a) - rank(b));
}
