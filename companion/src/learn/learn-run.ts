// The one orchestration of a learn job, for the CLI (`imagic learn`) and the daemon (`learn.start`): the settings (the
// model's recommendation over the defaults, the caller's overrides over both), every check that needs no model run
// (before the engine opens: a refused job costs nothing), the training (learn-embedding.ts), then the word saved for
// the model (models/learned-store.ts) with its own file. Nothing is saved unless training finished.
import { join } from 'node:path';
import { fail } from '../errors.ts';
import { DEFAULT_BACKWARD_RATIO } from '../engine/cost.ts';
import type { ImagicEngine } from '../engine/imagic-engine.ts';
import { readPackageBackwardRatioAsync, readPackageLearnSettingsAsync } from '../engine/package-settings.ts';
import type { RunHooks } from '../engine/progress.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import { addLearnedWordsAsync, learnedTokensAsync, wordFile } from '../models/learned-store.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { checkLearnRequest } from './learn-embedding.ts';
import { LEARN_DEFAULTS, validateLearnSettings, type LearnSettings } from './learn-settings.ts';

/** CLIP's sequence length, for the early check when the tokenizer names none; the engine checks again with its own. */
const CLIP_LENGTH = 77;

export interface LearnJob {
  readonly modelDir: string;
  readonly images: readonly RgbaImage[];
  readonly token: string;
  readonly initWord: string;
  /** 'adapter' is refused: subject adapters are not available yet. */
  readonly kind?: 'embedding' | 'adapter';
  readonly overrides?: Partial<Pick<LearnSettings, 'steps' | 'lr' | 'seed'>>;
}

export interface LearnContext {
  readonly dataDir: string;
  /** An engine for the model with the data folder's learned words (open, or opened for the job). */
  engineAsync(modelDir: string): Promise<ImagicEngine>;
  readonly hooks?: RunHooks;
}

export interface LearnOutcome {
  readonly token: string;
  readonly kind: 'embedding';
  /** The word's own file (diffusers' one-word learned_embeds layout). */
  readonly file: string;
  /** UNet work in forward-pass equivalents: one forward+backward pass per step. */
  readonly cost: { readonly learn: number; readonly total: number; readonly backward_ratio: number };
  readonly timing: { readonly encode: number; readonly learn: number; readonly save: number };
  readonly steps: number;
  readonly finalLoss: number | null;
}

/** The job's settings and the checks that need no model run; INVALID_SPEC naming what to change. */
export async function checkLearnJobAsync(dataDir: string, job: LearnJob): Promise<LearnSettings> {
  if (job.kind === 'adapter')
    fail(
      'INVALID_SPEC',
      'subject adapters (DreamBooth-style, kind "adapter") are not available in this version; learn a word (kind "embedding")',
    );
  const settings = validateLearnSettings({
    ...LEARN_DEFAULTS,
    ...(await readPackageLearnSettingsAsync(job.modelDir)),
    ...job.overrides,
  });
  const base = await ClipTokenizer.fromFiles(join(job.modelDir, 'tokenizer'));
  const tokenizer = base.withLearnedTokens(await learnedTokensAsync(dataDir, job.modelDir));
  checkLearnRequest(tokenizer, tokenizer.maxLength ?? CLIP_LENGTH, { ...job, settings });
  return settings;
}

export async function runLearnAsync(context: LearnContext, job: LearnJob): Promise<LearnOutcome> {
  const settings = await checkLearnJobAsync(context.dataDir, job);
  const engine = await context.engineAsync(job.modelDir);
  const learned = await engine.learnEmbeddingAsync(
    { images: job.images, token: job.token, initWord: job.initWord, settings },
    context.hooks,
  );
  const t0 = performance.now();
  const { word } = learned;
  await addLearnedWordsAsync(context.dataDir, job.modelDir, word.vector.length, [word], (t) =>
    engine.pkg.tokenizer.inVocabulary(t),
  );
  const ratio = (await readPackageBackwardRatioAsync(job.modelDir)) ?? DEFAULT_BACKWARD_RATIO;
  const passes = settings.steps * (1 + ratio);
  return {
    token: word.token,
    kind: 'embedding',
    file: wordFile(context.dataDir, job.modelDir, word.token),
    cost: { learn: passes, total: passes, backward_ratio: ratio },
    timing: { ...learned.timing, save: performance.now() - t0 },
    steps: settings.steps,
    finalLoss: learned.losses.at(-1) ?? null,
  };
}
