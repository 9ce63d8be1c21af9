// Every deterministic sampler step here is linear in three tensors: the sample z, the model's output o at that sample,
// and the data prediction x0 of the step before (DPM-Solver++'s second-order history; 0 for the others):
//   model input  = input·z                                          (Euler's c_in; 1 for DDIM and DPM-Solver++)
//   x0           = x0.sample·z + x0.output·o                        (the data prediction, eq. 12 of DDIM for ε)
//   next         = next.sample·z + next.output·o + next.x0·x0 + next.previous·x0_prev
// So a step is a handful of scalars, computed on the host from the schedule, applied to tensors wherever they live:
// `applyLinearStep` on the host (each scheduler's `step`), and the same map inside the sampling graph on the device
// (engine/denoising-step.ts), so the latents never leave it between steps.
// DDIM's optional extras: x0 clipping (pixel-space configs), applied between the two maps here and in the graph, and
// η > 0 noise, which stays on the host (the engine samples with η = 0).

export interface LinearStep {
  /** Scale of the sample fed to the model. */
  readonly input: number;
  /** The data prediction from the sample and the model output; `clip` bounds it to [−clip, clip] when set. */
  readonly x0: { readonly sample: number; readonly output: number; readonly clip?: number };
  /** The next sample from the sample, the model output, this step's x0 and the previous step's x0. */
  readonly next: { readonly sample: number; readonly output: number; readonly x0: number; readonly previous: number };
}

/** The step's x0 and next sample, in float64 per element and stored as float32. */
export function applyLinearStep(
  c: LinearStep,
  sample: Float32Array,
  output: Float32Array,
  previousX0?: Float32Array,
): { x0: Float32Array; next: Float32Array } {
  if (output.length !== sample.length)
    throw new RangeError(`model output has ${output.length} values, the sample ${sample.length}`);
  if (c.next.previous !== 0 && previousX0?.length !== sample.length)
    throw new RangeError('this step needs the previous step’s x0');
  const x0 = new Float32Array(sample.length);
  const next = new Float32Array(sample.length);
  const clip = c.x0.clip;
  for (let i = 0; i < sample.length; i++) {
    let d = c.x0.sample * sample[i]! + c.x0.output * output[i]!;
    if (clip !== undefined) d = Math.min(clip, Math.max(-clip, d));
    x0[i] = d;
    const history = c.next.previous === 0 ? 0 : c.next.previous * previousX0![i]!;
    next[i] = c.next.sample * sample[i]! + c.next.output * output[i]! + c.next.x0 * x0[i]! + history;
  }
  return { x0, next };
}

/** The scalars of `c` in the order the sampling graph reads them (engine/denoising-step.ts); no clip is an infinite one. */
export const linearStepVector = (c: LinearStep): number[] => [
  c.input,
  c.x0.sample,
  c.x0.output,
  c.x0.clip ?? Infinity,
  c.next.sample,
  c.next.output,
  c.next.x0,
  c.next.previous,
];
