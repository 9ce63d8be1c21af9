// A package may recommend its own settings in `imagic_settings.json` at its root: the adapter rank, layers and
// learning rate suit a model's width (rank 32 on every layer is a full-rank update of the demo model's 32–64-channel
// layers, and a 40 MB adapter file on SD 1.5's), and the guidance scale suits how it was trained (model cards give
// one), as does the η where its edits land (SD implementations use 0.6–1.1, imagic.md), so they belong to the
// model, not to the presets. They fill in what a preset leaves to the companion ("the
// companion's adapters", a request's adapterRank 0, and the CLI's defaults); step counts stay the preset's, and
// explicit flags win over both. Absent file: the presets' values.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { AdapterTarget, LateAdapters } from '../../../shared/src/protocol/edit-request.ts';
import { fail } from '../errors.ts';
import { LR_SCHEDULES } from './lr-schedule.ts';
import type { SampleSettings, TrainSettings } from './settings.ts';

export const PACKAGE_SETTINGS_FILE = 'imagic_settings.json';

export const PackageSettings = z.strictObject({
  train: z
    .strictObject({
      embedLr: z.number().positive(),
      tuneLr: z.number().positive(),
      tuneLrSchedule: z.enum(LR_SCHEDULES),
      embedLrSchedule: z.enum(LR_SCHEDULES),
      adapterRank: z.int().min(1).max(256),
      adapterAlpha: z.number().positive(),
      adapterTargets: z.array(AdapterTarget).min(1),
    })
    .partial(),
  sample: z
    .strictObject({
      guidanceScale: z.number().min(0).max(30),
      /** The η an edit gets when none is asked for (the CLI's default, the panel's initial slider value). */
      eta: z.number().min(-0.5).max(2),
      /** Late-step fading of the adapters (late-adapters.ts): how much of the fine-tuning this model's edits need. */
      lateAdapters: LateAdapters,
    })
    .partial()
    .optional(),
  /**
   * What to type: a model trained on a small grammar (the demo model) lists its words, so that the CLI and the panel
   * can say which words of a prompt it does not know, and prompts it understands for the panel's placeholder.
   */
  prompts: z.strictObject({ vocabulary: z.array(z.string().min(1).max(40)).min(1).max(10_000).optional(), examples: z.array(z.string().min(1).max(200)).min(1).max(20) }).optional(),
  /** How the model's UNet work is counted (cost.ts): its measured forward+backward time over its forward, minus 1. */
  cost: z.strictObject({ backwardRatio: z.number().min(0).max(20) }).optional(),
  /** Why these values: the measurement they came from. */
  reason: z.string(),
});
export type PackageSettings = z.infer<typeof PackageSettings>;

export type RecommendedTrain = Partial<Pick<TrainSettings, 'embedLr' | 'embedLrSchedule' | 'tuneLr' | 'tuneLrSchedule' | 'adapterRank' | 'adapterAlpha' | 'adapterTargets'>>;
export type RecommendedSample = Partial<Pick<SampleSettings, 'guidanceScale' | 'lateAdapters'> & { eta: number }>;

const present = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The package's recommended training settings; {} when it has none. MODEL_INVALID for a damaged file. */
export async function readPackageSettingsAsync(dir: string): Promise<RecommendedTrain> {
  return (await readRecommendationsAsync(dir)).train;
}

/** The package's recommended sampling settings (for callers whose sampling is not given explicitly). */
export async function readPackageSampleSettingsAsync(dir: string): Promise<RecommendedSample> {
  return (await readRecommendationsAsync(dir)).sample;
}

export interface ModelPrompts {
  readonly vocabulary?: readonly string[];
  readonly examples: readonly string[];
}

/** The words the package's model knows and prompts it understands, if it says (its imagic_settings.json `prompts`). */
export async function readPackagePromptsAsync(dir: string): Promise<ModelPrompts | undefined> {
  return (await readRecommendationsAsync(dir)).prompts;
}

/** The backward/forward ratio the package states for its UNet, if any (cost.ts). */
export async function readPackageBackwardRatioAsync(dir: string): Promise<number | undefined> {
  return (await readRecommendationsAsync(dir)).backwardRatio;
}

async function readRecommendationsAsync(dir: string): Promise<{ train: RecommendedTrain; sample: RecommendedSample; backwardRatio?: number; prompts?: ModelPrompts }> {
  const file = join(dir, PACKAGE_SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return { train: {}, sample: {} };
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail('MODEL_INVALID', `${file} is not valid JSON; fix or delete it (the presets' settings then apply)`, err);
  }
  const parsed = PackageSettings.safeParse(raw);
  if (!parsed.success) return fail('MODEL_INVALID', `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}; fix or delete it`);
  // zod's partial() yields `undefined` for absent keys under exactOptionalPropertyTypes: keep only the present ones.
  const ratio = parsed.data.cost?.backwardRatio;
  const prompts = parsed.data.prompts;
  return {
    train: present(parsed.data.train) as RecommendedTrain,
    sample: present(parsed.data.sample ?? {}) as RecommendedSample,
    ...(ratio !== undefined ? { backwardRatio: ratio } : {}),
    ...(prompts !== undefined ? { prompts: { examples: prompts.examples, ...(prompts.vocabulary ? { vocabulary: prompts.vocabulary } : {}) } } : {}),
  };
}
