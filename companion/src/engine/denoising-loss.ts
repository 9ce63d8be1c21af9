// The denoising loss every training stage minimises (docs/method.md §1–2; DDPM eq. 14):
//   L(z0, e, θ) = E_{t, ε} ‖ε − f_θ(z_t, t, e)‖²,   z_t = sqrt(ᾱ_t)·z0 + sqrt(1 − ᾱ_t)·ε,   t ~ U{1..T}, ε ~ N(0, I)
// One draw of (t, ε) per optimiser step, from a seeded Rng, so a run is reproducible. The paper's t ∈ {1..T} is
// diffusers' 0-based train timestep index 0..T−1. For a v-prediction model the regression target is v (Salimans &
// Ho 2022) instead of ε; SD 1.x predicts ε.
import { NoiseSchedule } from '../diffusion/schedulers/noise-schedule.ts';
import type { PredictionType, SchedulerConfig } from '../diffusion/schedulers/scheduler-config.ts';
import { Rng } from '../util/rng.ts';

export interface NoisedLatent {
  /** The train timestep t. */
  readonly t: number;
  /** z_t, the UNet's `sample`. */
  readonly sample: Float32Array;
  /** What the UNet should output for it. */
  readonly target: Float32Array;
}

/** The regression target per prediction type, one row each. */
const targets: Readonly<
  Record<PredictionType, (s: NoiseSchedule, z0: Float32Array, eps: Float32Array, t: number) => Float32Array>
> = {
  epsilon: (_s, _z0, eps) => eps,
  v_prediction: (s, z0, eps, t) => s.velocity(z0, eps, t),
};

export class DenoisingDraws {
  private readonly schedule: NoiseSchedule;
  private readonly rng: Rng;

  constructor(
    private readonly config: SchedulerConfig,
    private readonly z0: Float32Array,
    seed: number,
    /** t is drawn from [0, ceiling·T): the levels a render from the layer at that strength visits. */
    private readonly ceiling = 1,
  ) {
    this.schedule = new NoiseSchedule(config);
    this.rng = new Rng(seed);
  }

  /** A draw for `z0` (the constructor's unless given: a stage that trains on several images passes each). */
  next(z0 = this.z0): NoisedLatent {
    const t = Math.min(
      this.schedule.numTrainTimesteps - 1,
      Math.floor(this.rng.uniform() * this.ceiling * this.schedule.numTrainTimesteps),
    );
    const eps = this.rng.normalArray(z0.length);
    return {
      t,
      sample: this.schedule.addNoise(z0, eps, t),
      target: targets[this.config.predictionType](this.schedule, z0, eps, t),
    };
  }
}
