// η values: the slider's value, and the rows of the variant grid around it.

/**
 * The range EditRequest accepts (SamplingSettings.etas). The slider covers 0 to its top: past 1 is extrapolation
 * beyond the target text, which the paper's SD edits rarely need but a small model can (the demo model recommends 1.2).
 */
export const ETA_LIMITS = { min: -0.5, max: 2 } as const;
export const ETA_SLIDER = { min: 0, max: 2, step: 0.05, initial: 0.7 } as const;
/** Distance between grid rows when "vary η" is on. */
export const ETA_SPREAD = 0.1;

const round2 = (n: number) => Math.round(n * 100) / 100;
const clamp = (n: number) => Math.min(ETA_LIMITS.max, Math.max(ETA_LIMITS.min, n));

/** [η − 0.1, η, η + 0.1] when varying, else [η]; clamped to the accepted range, without repeats, ascending. */
export function gridEtas(center: number, vary: boolean): number[] {
  const values = vary ? [center - ETA_SPREAD, center, center + ETA_SPREAD] : [center];
  return [...new Set(values.map((v) => round2(clamp(v))))].sort((a, b) => a - b);
}

/**
 * Where the slider starts for a model that recommends an η (status's model.recommendedEta, from its
 * imagic_settings.json): on the slider's nearest step within its range. null: keep the slider where it is.
 */
export function sliderEtaFor(recommended: number | undefined): number | null {
  if (recommended === undefined || !Number.isFinite(recommended)) return null;
  const inRange = Math.min(ETA_SLIDER.max, Math.max(ETA_SLIDER.min, recommended));
  return round2(Math.round(inRange / ETA_SLIDER.step) * ETA_SLIDER.step);
}
