// The protocol's EditRequest as the caller's own settings of the one resolver (engine/edit-settings.ts): what the
// request states overrides the model's recommendation and the preset; what it leaves out does not. Whole-UNet
// fine-tuning (adapterRank 0, the paper's setting) does not fit a consumer GPU's memory through our in-graph autodiff,
// so the engine trains low-rank adapters only, and a request with adapterRank 0 gets the model's recommended adapters
// with their learning rate (a whole-UNet rate such as 2e-6 would leave rank-8 adapters untrained).
import type { EditRequest, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import type { OwnSettings, Some } from '../engine/edit-settings.ts';
import type { TrainSettings } from '../engine/settings.ts';

/** A request's training and sampling fields, as the resolver's own settings. */
export function requestSettings(request: EditRequest): OwnSettings {
  const f = request.fineTune;
  const adapters: Some<TrainSettings> =
    f.adapterRank > 0
      ? { adapterRank: f.adapterRank, adapterAlpha: f.adapterRank, adapterTargets: f.adapterTargets, tuneLr: f.tuneLr }
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
