// The sampler contract (diffusers' `set_timesteps` / `scale_model_input` / `step`); the table of samplers is samplers.ts.
// Unlike diffusers, the step is addressed by its index in `timesteps`, not by the timestep value, so no hidden
// counter has to be recovered from a float comparison; samplers that keep history still check the order.
import type { LinearStep } from './linear-step.ts';

/** A source of standard normal numbers; `Rng` from util/rng.ts is one. Seed it for reproducible sampling. */
export interface NoiseSource {
  normal(): number;
}

export interface Scheduler {
  /** Chooses the inference timesteps and resets all sampler state. Call before the first `step` of every run. */
  setTimesteps(numInferenceSteps: number): void;
  /** The timesteps to pass to the model, highest noise first; empty until `setTimesteps`. */
  readonly timesteps: readonly number[];
  /** The standard deviation of the initial noise: the pipeline starts from `initNoiseSigma · N(0, I)`. */
  readonly initNoiseSigma: number;
  /**
   * The sample at step `stepIndex`'s noise level for clean data `x0` and standard normal `noise`, in this sampler's
   * own variable (diffusers' `add_noise`): where an img2img run (SDEdit) that skips the steps before it starts.
   */
  noisedSample(x0: Float32Array, noise: Float32Array, stepIndex: number): Float32Array;
  /** The model input for step `stepIndex` (may be `sample` itself when no scaling is needed; never mutated). */
  scaleModelInput(sample: Float32Array, stepIndex: number): Float32Array;
  /**
   * One step from `timesteps[stepIndex]` to the next noise level. `modelOutput` is what the model returned for
   * `scaleModelInput(sample, stepIndex)`. Returns a new array; the inputs are not mutated. `rng` is used only by
   * stochastic settings (DDIM with eta > 0), which refuse to run without one.
   */
  step(modelOutput: Float32Array, stepIndex: number, sample: Float32Array, rng?: NoiseSource): Float32Array;
  /**
   * Step `stepIndex` as the scalars of a linear map (linear-step.ts), for a loop that keeps its tensors elsewhere (the
   * sampling graph on the device). `first`: no earlier step in this run, so a multistep sampler has no history. Pure:
   * the sampler's state is untouched. Undefined where the step is not linear (DDIM with η > 0 adds noise).
   */
  linearStep(stepIndex: number, first: boolean): LinearStep | undefined;
}
