// secondsLeft for a whole job, from the step times seen so far. Each stage's seconds per step is the mean over its
// steps after the first (the first includes creating the stage's session), and nothing is said until that mean rests
// on MIN_INTERVALS steps: two seconds into a 79 s job, one slow warm-up step made the panel say "about 1 h 6 min left". Stages not reached yet are estimated from the current one, scaled by their relative
// UNet work per step (engine/cost.ts): a training step runs the UNet forward and backward (about three forwards), a
// sampling step runs it forward twice (classifier-free guidance).
import type { JobStage } from '../../../shared/src/protocol/job-info.ts';
import { DEFAULT_BACKWARD_RATIO } from '../engine/cost.ts';

export type StagePlan = ReadonlyArray<{ stage: JobStage; total: number }>;

const TRAINING_STEP = 1 + DEFAULT_BACKWARD_RATIO;
const RELATIVE_COST: Readonly<Record<JobStage, number>> = { encode: 1, embed: TRAINING_STEP, finetune: TRAINING_STEP, sample: 2 };
/** Steps after a stage's first before its rate is trusted. */
const MIN_INTERVALS = 3;

type StageTiming = { firstStep: number; firstAt: number; secondsPerStep?: number };

export class ProgressEstimator {
  private readonly timings = new Map<JobStage, StageTiming>();

  constructor(
    private readonly plan: StagePlan,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Records one progress event; returns the estimate, or undefined while there is too little to go on. */
  observe(stage: JobStage, step: number, total: number): number | undefined {
    const at = this.now();
    const timing = this.timings.get(stage);
    if (!timing) {
      this.timings.set(stage, { firstStep: step, firstAt: at });
    } else {
      const steps = step - timing.firstStep;
      if (steps >= MIN_INTERVALS) timing.secondsPerStep = (at - timing.firstAt) / 1000 / steps;
    }
    const current = this.timings.get(stage)?.secondsPerStep;
    if (current === undefined) return undefined;
    let seconds = Math.max(0, total - step) * current;
    const index = this.plan.findIndex((p) => p.stage === stage);
    for (const later of index < 0 ? [] : this.plan.slice(index + 1)) {
      const known = this.timings.get(later.stage)?.secondsPerStep;
      seconds += later.total * (known ?? (current * RELATIVE_COST[later.stage]) / RELATIVE_COST[stage]);
    }
    return Math.round(seconds * 10) / 10;
  }
}
