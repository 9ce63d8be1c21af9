// Learning-rate schedules for the training stages, one row each. The paper (and the community pipeline) keep Adam's
// rate constant. Measured on the demo model (models/demo/README.md, "Choosing the stage-2 settings"), a constant rate
// leaves stage 2's loss bouncing at the end of the run (it rose from 0.011 to 0.022 over the last 250 of 1000 steps at
// 5e-4), which costs the η = 0 reconstruction about a decibel; annealing it to a tenth over the run (cosine, as
// SGDR / Loshchilov & Hutter 2017, eq. 5, without restarts) lets the last steps settle.
export type LrSchedule = 'constant' | 'cosine';

/** Fraction of the peak rate the cosine schedule ends at. */
export const COSINE_FLOOR = 0.1;

const schedules: Readonly<Record<LrSchedule, (progress: number) => number>> = {
  constant: () => 1,
  // η_t = η_min + ½(η_max − η_min)(1 + cos(π·progress)), progress = (step − 1)/(steps − 1) ∈ [0, 1].
  cosine: (progress) => COSINE_FLOOR + 0.5 * (1 - COSINE_FLOOR) * (1 + Math.cos(Math.PI * progress)),
};

/** The rate for 1-based `step` of `steps`. */
export function scheduledLr(schedule: LrSchedule, peak: number, step: number, steps: number): number {
  const progress = steps <= 1 ? 0 : (step - 1) / (steps - 1);
  return peak * schedules[schedule](progress);
}
