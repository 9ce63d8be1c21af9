// The Imagic settings the demo model is evaluated, tested and used with: the CLI's default preset (`community`: 500
// embedding steps, 1000 tuning steps, 50 DDIM steps) with what the demo package recommends for itself
// (imagic_settings.json, written from DEMO_RECOMMENDED_*; engine/package-settings.ts).
// The comparison behind them is in settings-comparison.ts and models/demo/README.md.
import type { RecommendedSample, RecommendedTrain } from '../engine/package-settings.ts';
import { PRESETS, type SampleSettings, type TrainSettings } from '../engine/settings.ts';

export const DEMO_PRESET = 'community' as const;

/**
 * What the demo package recommends for stages 1 and 2. Stage 1 at 10× SD's rate: one colour word moves this model's
 * caption embedding by ~0.85 of its norm (≈ 27) and one shape word by ~0.3, so SD's 1e-3 × 500 Adam steps moved e_opt
 * a tenth of the way to the input's caption and the interpolation had nothing to span. Stage 2 on the convs only, at
 * a third of the engine's rate: the attention projections, through which the text acts, stay the base model's, and
 * the η = 0 reconstruction is the best of the settings compared (settings-comparison.ts, models/demo/README.md).
 */
export const DEMO_RECOMMENDED_TRAIN: RecommendedTrain = { embedLr: 1e-2, adapterTargets: ['conv'], tuneLr: 1e-3 };

/**
 * Guidance 3 rather than the preset's 7.5: after stage 2 the model follows e_opt closely but the empty prompt less so,
 * and guidance extrapolates along their difference (7.5 cost 1.5–8 dB at η = 0 against 3 on the previous training of
 * this model: three scenes, two seeds). η = 1.6 rather than the paper's 0.7: on this model the fine-tuned UNet still
 * leans toward the input at e_tgt itself (at η = 1 colour edits often come out as a smaller object, off the input's
 * mask, and shape edits keep the input's shape), and extrapolating past the target text lets the text win. On the
 * 8 evaluation scenes (13 cases × 2 seeds) edits succeed at 0.7: 19%, 1: 50%, 1.6: 65%, 1.8: 69%, 2: 58%; 1.6 rather
 * than 1.8 because they are one output apart and the background grows grainier with η. SD implementations use
 * 0.8–1.1 (imagic.md); the panel's slider goes to 2.
 */
export const DEMO_RECOMMENDED_SAMPLE = { guidanceScale: 3, eta: 1.6 } as const satisfies RecommendedSample;

/** Why the settings above won the comparison (imagic_settings.json's `reason`, and models/demo/README.md). */
export const DEMO_SETTINGS_RATIONALE =
  "Stage 1 at 1e-2, ten times SD's rate: a colour word moves this model's caption embedding by 0.86 of its norm and a " +
  "shape word by 0.33, and at 1e-3 the 500 steps moved e_opt only a tenth of the way to the input's caption (on the " +
  'previous training), so the base model still drew the target at e_opt and stage 2 had to erase the difference; at ' +
  "1e-2 it draws the input's colour and shape there. Stage 2: rank 8 adapters on every conv at 1e-3, leaving the " +
  'attention projections, through which the text acts, as trained. On the 8 evaluation scenes (26 outputs per η) ' +
  'they reconstruct best: 31.6 dB mean at η = 0 (28.6 min), against 29.5 (26.0) for adapters on the contracting ' +
  'half only (conv_down) and 29.9 (27.3) for those at rank 16. conv_down makes every colour edit at η = 1 (the ' +
  "expanding half, left as trained, repaints what the adapters placed) and 65% of all edits there, as many as the " +
  "chosen setting at 1.6, but misses the 30 dB bar at η = 0, so it stays a comparison row. On the comparison's " +
  "one-scene rows (the evaluation's first scene, at η = 0.7 and 1) attention + conv adapters never edit, 400 " +
  'tuning steps edit more but do not reconstruct (24.2 / 9.6 dB), and rank 32 on every layer, the closest to full ' +
  'fine-tuning, ' +
  'reconstructs worse (29.0 / 28.1 dB) in twice the time. Edits land past η = 1 on this model (the sweep above), ' +
  'most at 1.6–1.8, hence the recommended η of 1.6. Still short of the 80% bar: there, a square on black stays a ' +
  'square under "circle", and two colour edits on gray miss the input\'s mask (a circle drawn for a square; a ' +
  'triangle at IoU 0.66–0.68).';

/** The η edits are judged at: the one the package recommends, which the CLI uses when no --eta is given. */
export const DEMO_DEFAULT_ETA = DEMO_RECOMMENDED_SAMPLE.eta;

export function demoTrainSettings(seed = 0): TrainSettings {
  return { ...PRESETS[DEMO_PRESET].train, ...DEMO_RECOMMENDED_TRAIN, seed };
}

export function demoSampleSettings(): Omit<SampleSettings, 'etas' | 'seeds'> {
  const { eta: _, ...recommended } = DEMO_RECOMMENDED_SAMPLE;
  return { ...PRESETS[DEMO_PRESET].sample, ...recommended };
}
