// The numpy primitives behind diffusers' timestep spacings ("linspace", "leading", "trailing": Table 2 of Lin et al.
// 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed"). They reproduce numpy's arithmetic, including
// round-half-to-even, because a timestep off by one changes which ᾱ_t the model is asked about.

/** numpy `round`: halves go to the even neighbour (np.round(812.5) = 812, where Math.round gives 813). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** numpy `linspace(start, stop, num)` (endpoint included): `start + i·((stop − start)/(num − 1))`, last = stop. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  const out = Array.from({ length: num }, (_, i) => i * step + start);
  out[num - 1] = stop;
  return out;
}

/**
 * numpy `arange(start, stop, step)` for a float step: length `ceil((stop − start)/step)`, values `start + i·δ` with
 * δ = (start + step) − start, which is how numpy's fill computes them.
 */
export function arange(start: number, stop: number, step: number): number[] {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const delta = start + step - start;
  return Array.from({ length }, (_, i) => start + i * delta);
}

/** "leading": ⌊T/n⌋-strided from 0, plus `steps_offset` (SD 1.x uses 1, so 50 steps are 981, 961, …, 1). */
export function leadingTimesteps(T: number, n: number, stepsOffset: number): number[] {
  const ratio = Math.floor(T / n);
  return Array.from({ length: n }, (_, i) => (n - 1 - i) * ratio + stepsOffset);
}

/**
 * "trailing": strided back from T by T/n, rounded, minus 1, so the first step is always T − 1. For some n (61, 103,
 * …) numpy's float arange yields n + 1 values, the extra one rounding to timestep −1; diffusers would then run an
 * extra step at an invalid timestep, so the list is cut to n.
 */
export function trailingTimesteps(T: number, n: number): number[] {
  return arange(T, 0, -T / n)
    .slice(0, n)
    .map((t) => roundHalfEven(t) - 1);
}

/** np.interp of a table sampled at 0, 1, …, len − 1, at a point inside that range (clamped at the ends). */
export function interpolate(table: Float64Array, x: number): number {
  const last = table.length - 1;
  if (x <= 0) return table[0]!;
  if (x >= last) return table[last]!;
  const i = Math.floor(x);
  const lo = table[i]!;
  return lo + (x - i) * (table[i + 1]! - lo);
}

/** Fails loudly when a sampler is stepped before `setTimesteps` or past the end of its schedule. */
export function checkStepIndex(timesteps: readonly number[], stepIndex: number, scheduler: string): number {
  if (timesteps.length === 0) {
    throw new RangeError(`${scheduler}: no timesteps yet; call setTimesteps(numInferenceSteps) before stepping`);
  }
  const t = timesteps[stepIndex];
  if (!Number.isInteger(stepIndex) || t === undefined) {
    throw new RangeError(`${scheduler}: stepIndex ${stepIndex} is outside [0, ${timesteps.length - 1}]`);
  }
  return t;
}

/** Validates a requested number of inference steps against the number of train timesteps. */
export function checkNumSteps(numInferenceSteps: number, numTrainTimesteps: number, scheduler: string): void {
  if (!Number.isInteger(numInferenceSteps) || numInferenceSteps < 1 || numInferenceSteps > numTrainTimesteps) {
    throw new RangeError(
      `${scheduler}: numInferenceSteps must be an integer in [1, ${numTrainTimesteps}] (the model's train timesteps), got ${numInferenceSteps}`,
    );
  }
}

/** Rejects schedules that reach past the train range, e.g. 1000 "leading" steps with steps_offset 1 (timestep 1000). */
export function checkTimestepRange(timesteps: readonly number[], numTrainTimesteps: number, scheduler: string): void {
  const bad = timesteps.find((t) => !(t >= 0 && t <= numTrainTimesteps - 1));
  if (bad !== undefined) {
    throw new RangeError(
      `${scheduler}: this spacing and steps_offset give timestep ${bad}, outside [0, ${numTrainTimesteps - 1}]; use fewer steps`,
    );
  }
}
