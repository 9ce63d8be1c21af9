// The Imagic settings the demo model is evaluated and tested with: the engine's `fast` preset with the stage-2 adapter
// settings and learning rates that the evaluation chose (models/demo/README.md, "Choosing the stage-2 settings").
// Until engine/settings.ts adopts them, they are overrides on that preset; eval:demo and the CI test both read them.
import { PRESETS, type SampleSettings, type TrainSettings } from '../engine/settings.ts';

export const DEMO_PRESET = 'fast' as const;

/** What the comparison changed relative to the preset. */
export const DEMO_TRAIN_OVERRIDES: Partial<TrainSettings> = {};
export const DEMO_SAMPLE_OVERRIDES: Partial<Omit<SampleSettings, 'etas' | 'seeds'>> = {};

/** Why the settings above won the comparison (rendered into models/demo/README.md). */
export const DEMO_SETTINGS_RATIONALE = 'Pending: the comparison has not been run on the trained model yet.';

/** The engine's default η (engine/edit-job.ts), at which edits are judged. */
export const DEMO_DEFAULT_ETA = 0.7;

export function demoTrainSettings(seed = 0): TrainSettings {
  return { ...PRESETS[DEMO_PRESET].train, ...DEMO_TRAIN_OVERRIDES, seed };
}

export function demoSampleSettings(): Omit<SampleSettings, 'etas' | 'seeds'> {
  return { ...PRESETS[DEMO_PRESET].sample, ...DEMO_SAMPLE_OVERRIDES };
}
