// secondsLeft for a whole job, from the step times seen so far. Each stage keeps a moving average of its seconds
// per step, ignoring each stage's first step (it includes creating the stage's session). Stages not reached yet
// are estimated from the current one, scaled by a rough relative cost per step: a training step runs the UNet
// forward and backward (about three forwards), a sampling step runs it forward twice (classifier-free guidance).
import type { JobStage } from '../../../shared/src/protocol/job-info.ts';

export type StagePlan = ReadonlyArray<{ stage: JobStage; total: number }>;

const RELATIVE_COST: Readonly<Record<JobStage, number>> = { encode: 1, embed: 3, finetune: 3, sample: 2 };
/** Weight of the newest step in the moving average. */
const SMOOTHING = 0.2;

type StageTiming = { lastStep: number; lastAt: number; secondsPerStep?: number };

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
      this.timings.set(stage, { lastStep: step, lastAt: at });
    } else if (step > timing.lastStep) {
      const perStep = (at - timing.lastAt) / 1000 / (step - timing.lastStep);
      timing.secondsPerStep = timing.secondsPerStep === undefined ? perStep : SMOOTHING * perStep + (1 - SMOOTHING) * timing.secondsPerStep;
      timing.lastStep = step;
      timing.lastAt = at;
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
