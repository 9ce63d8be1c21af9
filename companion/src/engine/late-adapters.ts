// Late-step forgetting of the stage-2 adapters while sampling (an extension of Imagic's stage 3, off unless asked for).
//
// Why: the fine-tuned model θ̂ keeps the input at e_tgt too, which is what keeps an edit in place, but on a small
// model it also keeps the input's shape and colour against the text. Denoising decides the layout in its first,
// noisiest steps and draws shape and colour after (Prompt-to-Prompt, Hertz et al. 2022, arXiv 2208.01626, injects
// the source's attention maps over the first steps only, for the same reason; "Fast Imagic",
// openreview.net/forum?id=PoLsUIDY0c, merges the tuned weights back toward the original ones against Imagic's
// over-fitting). So for the steps after `from` (a fraction of the schedule) the adapters' strength goes from 1 toward
// `scale`, in proportion to η up to 1:
//   λ(step, η) = 1                                  for step < from·steps      (layout: where the input's object is)
//   λ(step, η) = 1 − min(max(η, 0), 1)·(1 − scale)  after                      (detail: what ē asks for)
// and the UNet runs with W + λ·s·A·B (adapters.ts, mode 'scaled'). At η = 0 λ is 1 throughout, so the paper's
// reconstruction (η = 0 gives back the input) is untouched; past η = 1 it stays at `scale`.
// Measured on the demo model (`npm run eval:demo -- --images 16`, 29 edits × 2 seeds, models/demo/README.md): without
// fading edits succeed at best 60% (η 1.6), with from 0.5 and scale 0.3 83% at η 1.2; the η = 0 PSNR is unchanged.
import type { LateAdapters } from '../../../shared/src/protocol/edit-request.ts';
import { fail } from '../errors.ts';

export type { LateAdapters };

/** The adapters' strength at sampling step `step` (0-based) of `steps`, for interpolation weight η. */
export function adapterStrength(step: number, steps: number, eta: number, late: LateAdapters | undefined): number {
  if (late === undefined || step < late.from * steps) return 1;
  return 1 - Math.min(Math.max(eta, 0), 1) * (1 - late.scale);
}

/** Whether sampling with `late` ever runs the adapters below full strength (else the merged UNet serves). */
export const fades = (late: LateAdapters | undefined): late is LateAdapters =>
  late !== undefined && late.scale !== 1 && late.from < 1;

export function validateLateAdapters(late: LateAdapters): LateAdapters {
  const inUnit = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;
  const bad = (field: string, want: string, got: number) =>
    fail('INVALID_SPEC', `lateAdapters.${field}: must be ${want}, got ${got}`);
  if (!inUnit(late.from)) bad('from', 'a fraction of the sampling steps in [0, 1]', late.from);
  if (!inUnit(late.scale)) bad('scale', 'an adapter strength in [0, 1] (1 = off)', late.scale);
  return late;
}
