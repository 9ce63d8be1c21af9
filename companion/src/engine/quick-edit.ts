// Mode `quick`: SDEdit (Meng et al. 2022, "SDEdit: Guided Image Synthesis and Editing with Stochastic Differential
// Equations", §3): no training. The input's latent is noised to the level t0 = s·T, where its layout survives and its
// detail is gone, and denoised from there toward the target text with guidance; s = 1 starts from pure noise, which is
// plain generation from the prompt. As diffusers' img2img does, of a schedule of n steps the last round(n·s) run.
import { fail } from '../errors.ts';

/**
 * The strength when neither the caller nor the model (imagic_settings.json `quick.strength`) gives one: the top of the
 * range SDEdit's paper finds both realistic and faithful (t0 ∈ [0.3, 0.6], its §4). Where edits succeed depends on the
 * model: the demo model measures its own best at 0.7 (demo-settings.ts DEMO_QUICK_STRENGTH, eval-quick.ts).
 */
export const DEFAULT_STRENGTH = 0.6;

/** The first step an SDEdit run of `steps` at `strength` runs (the steps before it are skipped). */
export function quickStartStep(steps: number, strength: number): number {
  validateStrength(strength);
  return steps - Math.min(steps, Math.max(1, Math.round(steps * strength)));
}

export function validateStrength(strength: number): number {
  if (!(Number.isFinite(strength) && strength > 0 && strength <= 1)) {
    fail(
      'INVALID_SPEC',
      `strength: must be in (0, 1] (0.3 keeps the layer, 1 draws from the prompt alone), got ${strength}`,
    );
  }
  return strength;
}
