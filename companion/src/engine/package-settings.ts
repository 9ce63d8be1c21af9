// A package may recommend its own settings in `imagic_settings.json` at its root: the adapter rank, layers and
// learning rate suit a model's width (rank 32 on every layer is a full-rank update of the demo model's 32–64-channel
// layers, and a 40 MB adapter file on SD 1.5's), and the guidance scale suits how it was trained (model cards give
// one), as does the η where its edits land (SD implementations use 0.6–1.1, docs/method.md §3), so they belong to the
// model, not to the presets. They fill in what a preset leaves to the companion ("the
// companion's adapters", a request's adapterRank 0, and the CLI's defaults). `presets` recommends per preset, step
// counts and samplers too: how many steps reach a preset's quality is the model's to say. Explicit flags and a
// request's own values win over both. Absent file: the presets' values.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { AdapterTarget, LateAdapters, Preset, Sampler, Strength } from '../../../shared/src/protocol/edit-request.ts';
import { fail } from '../errors.ts';
import { LR_SCHEDULES } from './lr-schedule.ts';
import type { SampleSettings, TrainSettings } from './settings.ts';
import type { LearnSettings } from '../learn/learn-settings.ts';
import type { SubjectSettings } from '../learn/learn-adapter.ts';

export const PACKAGE_SETTINGS_FILE = 'imagic_settings.json';

const TrainRecommendation = z
  .strictObject({
    embedLr: z.number().positive(),
    tuneLr: z.number().positive(),
    tuneLrSchedule: z.enum(LR_SCHEDULES),
    embedLrSchedule: z.enum(LR_SCHEDULES),
    adapterRank: z.int().min(1).max(256),
    adapterAlpha: z.number().positive(),
    adapterTargets: z.array(AdapterTarget).min(1),
  })
  .partial();

const SampleRecommendation = z
  .strictObject({
    guidanceScale: z.number().min(0).max(30),
    /** The η an edit gets when none is asked for (the CLI's default, the panel's initial slider value). */
    eta: z.number().min(-0.5).max(2),
    /** Late-step fading of the adapters (late-adapters.ts): how much of the fine-tuning this model's edits need. */
    lateAdapters: LateAdapters,
  })
  .partial();

/**
 * What the model recommends for one preset, over its general recommendation: step counts too, since how many steps
 * reach a preset's quality depends on the model (a preset is a trade of time for quality; the model says where).
 */
const PresetRecommendation = z.strictObject({
  train: TrainRecommendation.extend({ embedSteps: z.int().min(0).max(5000), tuneSteps: z.int().min(0).max(5000) })
    .partial()
    .optional(),
  sample: SampleRecommendation.extend({ steps: z.int().min(1).max(200), sampler: Sampler, inversion: z.boolean() })
    .partial()
    .optional(),
});

export const PackageSettings = z.strictObject({
  train: TrainRecommendation,
  sample: SampleRecommendation.optional(),
  presets: z.partialRecord(Preset, PresetRecommendation).optional(),
  /**
   * What to type: a model trained on a small grammar (the demo model) lists its words, so that the CLI and the panel
   * can say which words of a prompt it does not know, and prompts it understands for the panel's placeholder.
   */
  prompts: z
    .strictObject({
      vocabulary: z.array(z.string().min(1).max(40)).min(1).max(10_000).optional(),
      examples: z.array(z.string().min(1).max(200)).min(1).max(20),
    })
    .optional(),
  /**
   * Quick edits (SDEdit, quick-edit.ts): the strength one gets when none is asked for, where this model's edits succeed
   * most often (the CLI's default, the panel's initial slider in quick mode).
   */
  quick: z.strictObject({ strength: Strength }).optional(),
  /**
   * How the model's UNet work is counted (cost.ts): its measured forward+backward time over its forward, minus 1. And
   * `stepTimes`: the seconds per step of each stage relative to one another, as an edit measured them on some machine
   * (the data folder's step-times.json): the whole-edit estimate's first guess for the stages not reached yet on a
   * machine that has run none of this model's edits (progress-estimate.ts). Ratios carry across machines better than
   * the forward-pass count does: stage 2's adapters add weight gradients that stage 1 does not have.
   */
  cost: z
    .strictObject({
      backwardRatio: z.number().min(0).max(20).optional(),
      stepTimes: z
        .strictObject({ embed: z.number().positive(), finetune: z.number().positive(), sample: z.number().positive() })
        .optional(),
    })
    .optional(),
  /**
   * Learn jobs (Textual Inversion, learn/learn-settings.ts): the steps, rate and prompt templates that teach this model
   * a new word; the templates hold `{}` where the word goes.
   */
  learn: z
    .strictObject({
      steps: z.int().min(1).max(20_000),
      lr: z.number().positive(),
      lrSchedule: z.enum(LR_SCHEDULES),
      templates: z
        .array(
          z
            .string()
            .max(200)
            .refine((t) => t.split('{}').length === 2, 'holds {} exactly once'),
        )
        .min(1)
        .max(100),
      /** Subject adapters (learn/learn-adapter.ts): their training after the word's. */
      subject: z
        .strictObject({
          steps: z.int().min(1).max(20_000),
          lr: z.number().positive(),
          lrSchedule: z.enum(LR_SCHEDULES),
          rank: z.int().min(1).max(256),
          alpha: z.number().positive(),
          targets: z.array(AdapterTarget).min(1),
          priorWeight: z.number().min(0).max(100),
          classImages: z.int().min(1).max(1000),
        })
        .partial(),
    })
    .partial()
    .optional(),
  /** Why these values: the measurement they came from. */
  reason: z.string(),
});
export type PackageSettings = z.infer<typeof PackageSettings>;

export type RecommendedTrain = Partial<
  Pick<
    TrainSettings,
    | 'embedSteps'
    | 'embedLr'
    | 'embedLrSchedule'
    | 'tuneSteps'
    | 'tuneLr'
    | 'tuneLrSchedule'
    | 'adapterRank'
    | 'adapterAlpha'
    | 'adapterTargets'
  >
>;
export type RecommendedSample = Partial<
  Pick<SampleSettings, 'steps' | 'sampler' | 'guidanceScale' | 'lateAdapters' | 'inversion'> & { eta: number }
>;

const present = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The package's recommended training settings, for `preset` when given (its general recommendation, then what it
 * says for that preset); {} when it has none. MODEL_INVALID for a damaged file.
 */
export async function readPackageSettingsAsync(dir: string, preset?: Preset): Promise<RecommendedTrain> {
  const r = await readRecommendationsAsync(dir);
  return { ...r.train, ...(preset ? r.presets[preset]?.train : {}) };
}

/** The package's recommended sampling settings (for callers whose sampling is not given explicitly), as above. */
export async function readPackageSampleSettingsAsync(dir: string, preset?: Preset): Promise<RecommendedSample> {
  const r = await readRecommendationsAsync(dir);
  return { ...r.sample, ...(preset ? r.presets[preset]?.sample : {}) };
}

export interface ModelPrompts {
  readonly vocabulary?: readonly string[];
  readonly examples: readonly string[];
}

/** The words the package's model knows and prompts it understands, if it says (its imagic_settings.json `prompts`). */
export async function readPackagePromptsAsync(dir: string): Promise<ModelPrompts | undefined> {
  return (await readRecommendationsAsync(dir)).prompts;
}

/** The strength the package recommends for quick edits, if any. */
export async function readPackageQuickStrengthAsync(dir: string): Promise<number | undefined> {
  return (await readRecommendationsAsync(dir)).quickStrength;
}

/** The relative step times of its stages the package states, if any (progress-estimate.ts). */
export async function readPackageStepTimesAsync(
  dir: string,
): Promise<{ embed: number; finetune: number; sample: number } | undefined> {
  return (await readRecommendationsAsync(dir)).stepTimes;
}

/** What the package recommends for learn jobs (any of steps, lr, lrSchedule, templates), {} when nothing. */
export async function readPackageLearnSettingsAsync(dir: string): Promise<RecommendedLearn> {
  return (await readRecommendationsAsync(dir)).learn;
}

export type RecommendedLearn = Partial<Omit<LearnSettings, 'seed'>> & { subject?: Partial<SubjectSettings> };

/** The backward/forward ratio the package states for its UNet, if any (cost.ts). */
export async function readPackageBackwardRatioAsync(dir: string): Promise<number | undefined> {
  return (await readRecommendationsAsync(dir)).backwardRatio;
}

interface Recommendations {
  readonly train: RecommendedTrain;
  readonly sample: RecommendedSample;
  readonly presets: Partial<Record<Preset, { readonly train?: RecommendedTrain; readonly sample?: RecommendedSample }>>;
  readonly backwardRatio?: number;
  readonly prompts?: ModelPrompts;
  readonly quickStrength?: number;
  readonly stepTimes?: { embed: number; finetune: number; sample: number };
  readonly learn: RecommendedLearn;
}

async function readRecommendationsAsync(dir: string): Promise<Recommendations> {
  const file = join(dir, PACKAGE_SETTINGS_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT')
      return { train: {}, sample: {}, presets: {}, learn: {} };
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail('MODEL_INVALID', `${file} is not valid JSON; fix or delete it (the presets' settings then apply)`, err);
  }
  const parsed = PackageSettings.safeParse(raw);
  if (!parsed.success)
    return fail(
      'MODEL_INVALID',
      `${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}; fix or delete it`,
    );
  // zod's partial() yields `undefined` for absent keys under exactOptionalPropertyTypes: keep only the present ones.
  const ratio = parsed.data.cost?.backwardRatio;
  const prompts = parsed.data.prompts;
  const presets = Object.fromEntries(
    Object.entries(parsed.data.presets ?? {}).map(([name, p]) => [
      name,
      { train: present(p?.train ?? {}) as RecommendedTrain, sample: present(p?.sample ?? {}) as RecommendedSample },
    ]),
  );
  return {
    train: present(parsed.data.train) as RecommendedTrain,
    sample: present(parsed.data.sample ?? {}) as RecommendedSample,
    presets,
    learn: present(parsed.data.learn ?? {}) as RecommendedLearn,
    ...(ratio !== undefined ? { backwardRatio: ratio } : {}),
    ...(parsed.data.quick ? { quickStrength: parsed.data.quick.strength } : {}),
    ...(parsed.data.cost?.stepTimes ? { stepTimes: parsed.data.cost.stepTimes } : {}),
    ...(prompts !== undefined
      ? { prompts: { examples: prompts.examples, ...(prompts.vocabulary ? { vocabulary: prompts.vocabulary } : {}) } }
      : {}),
  };
}
