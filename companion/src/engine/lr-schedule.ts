// Learning-rate schedules for the training stages, one row each. The paper (and the community pipeline) keep Adam's
// rate constant. Measured on the demo model (models/demo/README.md, "Choosing the stage-2 settings"), a constant rate
// leaves stage 2's loss bouncing at the end of the run (it rose from 0.011 to 0.022 over the last 250 of 1000 steps at
// 5e-4), which costs the η = 0 reconstruction about a decibel; annealing it to a tenth over the run (cosine, as
// SGDR / Loshchilov & Hutter 2017, eq. 5, without restarts) lets the last steps settle. 'warmup-cosine' ramps up
// linearly over the first WARMUP_FRACTION of the steps first: a short run needs a high peak rate, and Adam's first
// steps at that rate (its second-moment estimate still built from a handful of gradients) are the likeliest to diverge.
import { LR_SCHEDULES, type LrSchedule } from '../../../shared/src/protocol/presets.ts';

export { LR_SCHEDULES, type LrSchedule };

/** Fraction of the peak rate the cosine schedule ends at. */
export const COSINE_FLOOR = 0.1;
/** Fraction of the steps 'warmup-cosine' ramps over, from WARMUP_START of the peak. */
export const WARMUP_FRACTION = 0.1;
export const WARMUP_START = 0.1;

const cosine = (progress: number) => COSINE_FLOOR + 0.5 * (1 - COSINE_FLOOR) * (1 + Math.cos(Math.PI * progress));

const schedules: Readonly<Record<LrSchedule, (progress: number) => number>> = {
  constant: () => 1,
  // η_t = η_min + ½(η_max − η_min)(1 + cos(π·progress)), progress = (step − 1)/(steps − 1) ∈ [0, 1].
  cosine,
  'warmup-cosine': (progress) =>
    progress < WARMUP_FRACTION
      ? WARMUP_START + (1 - WARMUP_START) * (progress / WARMUP_FRACTION)
      : cosine((progress - WARMUP_FRACTION) / (1 - WARMUP_FRACTION)),
};

export const isLrSchedule = (name: string): name is LrSchedule => Object.hasOwn(schedules, name);

/** The rate for 1-based `step` of `steps`. */
export function scheduledLr(schedule: LrSchedule, peak: number, step: number, steps: number): number {
  const progress = steps <= 1 ? 0 : (step - 1) / (steps - 1);
  return peak * schedules[schedule](progress);
}
