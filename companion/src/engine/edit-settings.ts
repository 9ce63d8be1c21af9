// What an edit runs with, for every front end (the CLI's flags, the daemon's requests): the preset, then what the
// model recommends for itself and then for that preset (imagic_settings.json, package-settings.ts), then the caller's
// own values. One resolver, so the same edit asked for through the CLI and through the panel trains the same way.
import { fail } from '../errors.ts';
import {
  readPackageSampleSettingsAsync,
  readPackageSettingsAsync,
  type RecommendedSample,
  type RecommendedTrain,
} from './package-settings.ts';
import {
  PRESETS,
  validateSampleSettings,
  validateTrainSettings,
  type Preset,
  type SampleSettings,
  type TrainSettings,
} from './settings.ts';

/** The paper's usual η (docs/method.md §2.3), when neither the caller nor the model gives one. */
export const DEFAULT_ETA = 0.7;
/** One output unless asked for more. */
const DEFAULT_SEEDS: readonly number[] = [1];
/** Seeds the training draws; fixed, so that the same edit asked twice trains the same way. */
export const TRAIN_SEED = 0;

/** Some of `T`'s fields; an undefined one counts as left out. */
export type Some<T> = { readonly [K in keyof T]?: T[K] | undefined };

/** The caller's own values; what it leaves out comes from the model, then the preset. */
export interface OwnSettings {
  readonly train?: Some<TrainSettings>;
  readonly sample?: Some<SampleSettings>;
}

export interface EditSettings {
  readonly train: TrainSettings;
  readonly sample: SampleSettings;
}

/** The model's recommendations, as package-settings.ts reads them. */
export interface Recommended {
  readonly train: RecommendedTrain;
  readonly sample: RecommendedSample;
}

/** The settings of a new edit from its preset, the model's recommendations and the caller's own values. */
export function resolveEditSettings(presetName: Preset, recommended: Recommended, own: OwnSettings = {}): EditSettings {
  const preset =
    PRESETS[presetName] ??
    fail('INVALID_SPEC', `unknown preset '${presetName}'; choose one of ${Object.keys(PRESETS).join(', ')}`);
  const train = validateTrainSettings({
    ...preset.train,
    ...recommended.train,
    seed: TRAIN_SEED,
    ...defined(own.train),
  });
  const { eta, ...sample } = recommended.sample;
  return {
    train,
    sample: validateSampleSettings({
      ...preset.sample,
      ...sample,
      etas: [eta ?? DEFAULT_ETA],
      seeds: DEFAULT_SEEDS,
      ...defined(own.sample),
    }),
  };
}

/** resolveEditSettings with the recommendations of the package in `modelDir`. */
export async function editSettingsAsync(
  modelDir: string,
  preset: Preset,
  own: OwnSettings = {},
): Promise<EditSettings> {
  const recommended = {
    train: await readPackageSettingsAsync(modelDir, preset),
    sample: await readPackageSampleSettingsAsync(modelDir, preset),
  };
  return resolveEditSettings(preset, recommended, own);
}

/** A re-render's sampling: what the edit was rendered with, then the caller's own values. */
export const renderSettings = (rendered: SampleSettings, own: Some<SampleSettings> = {}): SampleSettings =>
  validateSampleSettings({ ...rendered, ...defined(own) });

/** `o` without its undefined fields, so that an absent value never overrides a present one. */
function defined<T extends object>(o: Some<T> | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}
