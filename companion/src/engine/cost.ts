// What an edit costs in UNet work, the same on every machine: stages 1 and 2 run one forward+backward pass per
// optimiser step, stage 3 one forward pass per output and sampling step, two when classifier-free guidance needs both
// predictions (whether as one batch-2 run or two runs: the same UNet work). Reported in forward-pass equivalents, a
// forward+backward pass counting 1 + r, r the backward's cost in forwards: 2 unless the model states its own
// (imagic_settings.json `cost.backwardRatio`, from `npm run bench -- autodiff`). 2 is the backward's arithmetic: for
// every product of the forward it computes one for the input's gradient and one for the weight's.
import type { SampleSettings, TrainSettings } from './settings.ts';
import { needsPair } from './denoising-step.ts';

export const DEFAULT_BACKWARD_RATIO = 2;

/** The CLI's `--json` `cost` and the job result's: forward-pass equivalents per stage, and the ratio they used. */
export interface EditCost {
  readonly embed: number;
  readonly finetune: number;
  readonly sample: number;
  /** An automatic mask's passes (a guided pair per noise draw, auto-mask.ts); absent without one. */
  readonly mask?: number;
  readonly total: number;
  readonly backward_ratio: number;
}

/**
 * UNet forward passes of stage 3 for every (η, seed) of `sample`; an inverted start (stage-inversion.ts) adds one
 * more run of the steps per seed, for its noise maps.
 */
export const samplingPasses = (
  sample: Pick<SampleSettings, 'etas' | 'seeds' | 'steps' | 'guidanceScale' | 'inversion'>,
): number =>
  (sample.etas.length + (sample.inversion ? 1 : 0)) *
  sample.seeds.length *
  sample.steps *
  (needsPair(sample.guidanceScale) ? 2 : 1);

/** The cost of training with `train` (null for a re-render) and sampling with `sample`. */
export function editCost(
  train: Pick<TrainSettings, 'embedSteps' | 'tuneSteps'> | null,
  sample: Pick<SampleSettings, 'etas' | 'seeds' | 'steps' | 'guidanceScale' | 'inversion'>,
  backwardRatio = DEFAULT_BACKWARD_RATIO,
): EditCost {
  const trainingPass = 1 + backwardRatio;
  const embed = (train?.embedSteps ?? 0) * trainingPass;
  const finetune = (train?.tuneSteps ?? 0) * trainingPass;
  const sampled = samplingPasses(sample);
  return { embed, finetune, sample: sampled, total: embed + finetune + sampled, backward_ratio: backwardRatio };
}
