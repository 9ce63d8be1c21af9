// The one orchestration of a learn job, for the CLI (`imagic learn`) and the daemon (`learn.start`): the settings (the
// model's recommendation over the defaults, the caller's overrides over both), every check that needs no model run
// (before the engine opens: a refused job costs nothing), the training (a word: learn-embedding.ts; a subject adapter:
// learn-adapter.ts), then what it made saved for the model (models/learned-store.ts): the word with its own file, and
// a subject's LoRA file. Nothing is saved unless training finished.
import { join } from 'node:path';
import { fail } from '../errors.ts';
import { DEFAULT_BACKWARD_RATIO } from '../engine/cost.ts';
import type { ImagicEngine } from '../engine/imagic-engine.ts';
import {
  readPackageBackwardRatioAsync,
  readPackageLearnSettingsAsync,
  readPackageSampleSettingsAsync,
} from '../engine/package-settings.ts';
import { needsPair } from '../engine/denoising-step.ts';
import { PRESETS, type Preset } from '../engine/settings.ts';
import type { LearnKind, LearnRequest } from '../../../shared/src/protocol/learn-request.ts';
import type { LearnedWord } from '../models/learned-embeds.ts';
import { loraModules, writeLoraFile } from '../models/lora-file.ts';
import type { SubjectSettings } from './learn-adapter.ts';
import type { RunHooks } from '../engine/progress.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import { addLearnedWordsAsync, learnedTokensAsync, saveAdapterAsync, wordFile } from '../models/learned-store.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { checkLearnRequest } from './learn-embedding.ts';
import { LEARN_DEFAULTS, SUBJECT_DEFAULTS, validateLearnSettings, type LearnSettings } from './learn-settings.ts';

/** Class images are full renders from noise: the community preset's sampling (50 steps), whatever the edit default. */
const CLASS_IMAGE_PRESET: Preset = 'community';

/** CLIP's sequence length, for the early check when the tokenizer names none; the engine checks again with its own. */
const CLIP_LENGTH = 77;

export interface LearnJob {
  readonly modelDir: string;
  readonly images: readonly RgbaImage[];
  readonly token: string;
  readonly initWord: string;
  /** embedding (absent): a word (Textual Inversion); adapter: a word and a subject adapter (DreamBooth). */
  readonly kind?: LearnKind;
  /** The subject's class word, for kind adapter. */
  readonly classWord?: string;
  readonly overrides?: Partial<Pick<LearnSettings, 'steps' | 'lr' | 'seed'>>;
  /** A subject adapter's own overrides of the model's recommendation. */
  readonly subjectOverrides?: Partial<Pick<SubjectSettings, 'steps' | 'classImages'>>;
}

/** A protocol request (`learn.start`) as a job on `modelDir`'s model, with its layers decoded. */
export const learnJobOf = (request: LearnRequest, modelDir: string, images: readonly RgbaImage[]): LearnJob => ({
  modelDir,
  images,
  token: request.token,
  initWord: request.initWord,
  ...(request.kind ? { kind: request.kind } : {}),
  ...(request.classWord ? { classWord: request.classWord } : {}),
  ...(request.steps ? { overrides: { steps: request.steps } } : {}),
});

export interface LearnContext {
  readonly dataDir: string;
  /** An engine for the model with the data folder's learned words (open, or opened for the job). */
  engineAsync(modelDir: string): Promise<ImagicEngine>;
  readonly hooks?: RunHooks;
}

export interface LearnOutcome {
  readonly token: string;
  readonly kind: LearnKind;
  /** What the job wrote for others to load: the word's own file, or the subject adapter's LoRA file. */
  readonly file: string;
  /** UNet work in forward-pass equivalents: a forward+backward pass per training step, the class images' sampling. */
  readonly cost: { readonly learn: number; readonly total: number; readonly backward_ratio: number };
  readonly timing: Readonly<Record<string, number>>;
  readonly steps: number;
  readonly finalLoss: number | null;
}

interface CheckedJob {
  readonly settings: LearnSettings;
  readonly subject: SubjectSettings;
}

/** The job's settings and the checks that need no model run; INVALID_SPEC naming what to change. */
export async function checkLearnJobAsync(dataDir: string, job: LearnJob): Promise<CheckedJob> {
  const recommended = await readPackageLearnSettingsAsync(job.modelDir);
  const { subject: subjectRecommended, ...wordRecommended } = recommended;
  const settings = validateLearnSettings({ ...LEARN_DEFAULTS, ...wordRecommended, ...job.overrides });
  const base = await ClipTokenizer.fromFiles(join(job.modelDir, 'tokenizer'));
  const tokenizer = base.withLearnedTokens(await learnedTokensAsync(dataDir, job.modelDir));
  checkLearnRequest(tokenizer, tokenizer.maxLength ?? CLIP_LENGTH, { ...job, settings });
  if (job.kind === 'adapter' && (job.classWord === undefined || base.tokenize(job.classWord).length === 0))
    fail('INVALID_SPEC', 'a subject adapter needs the class word of what it learns (e.g. "dog" for a particular dog)');
  if (job.kind !== 'adapter' && job.classWord !== undefined)
    fail('INVALID_SPEC', 'a class word goes with a subject adapter (kind "adapter"), not with a word alone');
  return { settings, subject: { ...SUBJECT_DEFAULTS, ...subjectRecommended, ...job.subjectOverrides } };
}

/** Each kind of job: its training and what it saves besides the word. */
const KINDS: Readonly<
  Record<LearnKind, (context: LearnContext, job: LearnJob, checked: CheckedJob) => Promise<LearnOutcome>>
> = {
  embedding: async (context, job, { settings }) => {
    const engine = await context.engineAsync(job.modelDir);
    const request = { images: job.images, token: job.token, initWord: job.initWord, settings };
    const learned = await engine.learnEmbeddingAsync(request, context.hooks);
    const t0 = performance.now();
    await saveWordAsync(context.dataDir, job.modelDir, engine, learned.word);
    const ratio = await backwardRatioAsync(job.modelDir);
    const passes = settings.steps * (1 + ratio);
    return {
      token: learned.word.token,
      kind: 'embedding',
      file: wordFile(context.dataDir, job.modelDir, learned.word.token),
      cost: { learn: passes, total: passes, backward_ratio: ratio },
      timing: { ...learned.timing, save: performance.now() - t0 },
      steps: settings.steps,
      finalLoss: learned.losses.at(-1) ?? null,
    };
  },
  adapter: async (context, job, { settings, subject }) => {
    const engine = await context.engineAsync(job.modelDir);
    const recommended = await readPackageSampleSettingsAsync(job.modelDir);
    const { eta: _, lateAdapters: __, ...forSampling } = recommended;
    const sampling = { ...PRESETS[CLASS_IMAGE_PRESET].sample, ...forSampling };
    const learned = await engine.learnSubjectAsync(
      {
        images: job.images,
        token: job.token,
        initWord: job.initWord,
        classWord: job.classWord ?? fail('INTERNAL', 'a subject job without its class word'),
        settings,
        subject,
        sampling,
      },
      context.hooks,
    );
    const t0 = performance.now();
    const bytes = writeLoraFile(loraModules(learned.adapters, learned.values), {
      token: learned.word.token,
      class_word: job.classWord ?? '',
      trained_by: 'imagic learn (DreamBooth-style LoRA with prior preservation)',
    });
    const file = await saveAdapterAsync(context.dataDir, job.modelDir, learned.word.token, bytes);
    await saveWordAsync(context.dataDir, job.modelDir, engine, learned.word);
    const ratio = await backwardRatioAsync(job.modelDir);
    const guided = needsPair(sampling.guidanceScale) ? 2 : 1;
    const passes = (settings.steps + subject.steps) * (1 + ratio) + subject.classImages * sampling.steps * guided;
    return {
      token: learned.word.token,
      kind: 'adapter',
      file,
      cost: { learn: passes, total: passes, backward_ratio: ratio },
      timing: {
        encode: learned.timing.encode,
        learn: learned.timing.word + learned.timing.classImages + learned.timing.adapters,
        word: learned.timing.word,
        class_images: learned.timing.classImages,
        adapters: learned.timing.adapters,
        save: performance.now() - t0,
      },
      steps: settings.steps + subject.steps,
      finalLoss: learned.losses.adapters.at(-1) ?? null,
    };
  },
};

export async function runLearnAsync(context: LearnContext, job: LearnJob): Promise<LearnOutcome> {
  const checked = await checkLearnJobAsync(context.dataDir, job);
  return KINDS[job.kind ?? 'embedding'](context, job, checked);
}

/** The word, for every later prompt on the model (nothing is saved before training finished). */
async function saveWordAsync(dataDir: string, modelDir: string, engine: ImagicEngine, word: LearnedWord) {
  await addLearnedWordsAsync(dataDir, modelDir, word.vector.length, [word], (t) =>
    engine.pkg.tokenizer.inVocabulary(t),
  );
}

const backwardRatioAsync = async (modelDir: string) =>
  (await readPackageBackwardRatioAsync(modelDir)) ?? DEFAULT_BACKWARD_RATIO;
