// A subject adapter (DreamBooth, Ruiz et al. 2022, with LoRA adapters instead of the whole UNet): the images of one
// subject bound to a new word used with its class word ("a <tok> circle"), trained with the paper's prior-preservation
// loss (eq. 2)
//   E ‖ε − ε_θ(z_t, t, c_inst)‖² + λ · E ‖ε' − ε_θ(z'_t', t', c_class)‖²
// where z' are images the model itself generated from the class prompt beforehand, so that the class word keeps its
// meaning while the adapters learn the subject. With one example per optimiser step, the λ-weighted sum is met in
// expectation by drawing a class example with probability λ/(1 + λ) (the gradient's scale does not move Adam's step).
// The new word's vector is learned first, as a Textual Inversion job (learn-embedding.ts), and then held: the
// adapters need not also carry what a word can say ("pivotal tuning"), and the word differs from every vocabulary
// word, so the class prompts the prior keeps are not the subject's.
import { join } from 'node:path';
import { initAdapterValues, type AdapterInfo } from '../autodiff/adapters.ts';
import { fail } from '../errors.ts';
import { adapterPatterns, type AdapterTarget } from '../engine/adapter-targets.ts';
import { withLearnedRows } from '../engine/learned-rows.ts';
import type { ImagicPackage } from '../engine/package-loader.ts';
import type { RunHooks } from '../engine/progress.ts';
import type { SessionPool } from '../engine/session-pool.ts';
import type { SampleSettings } from '../engine/settings.ts';
import { encodeImageAsync, encodeTextAsync } from '../engine/stage-encode.ts';
import { sampleOneAsync } from '../engine/stage-sample.ts';
import { floatFeed, intFeed, output } from '../engine/tensors.ts';
import { trainAsync, type TrainingExample } from '../engine/training-loop.ts';
import {
  adapterLayout,
  adapterTrainingSessionAsync,
  EMBEDDING_INPUT,
  predictionsFor,
  samplingSessionAsync,
  type AdapterSpec,
} from '../engine/unet-graphs.ts';
import type { LrSchedule } from '../engine/lr-schedule.ts';
import type { LearnedWord } from '../models/learned-embeds.ts';
import { PACKAGE_FILES } from '../models/package-files.ts';
import { readModel, serializeModel } from '../onnx/model-file.ts';
import { Rng } from '../util/rng.ts';
import { learnEmbeddingAsync, type LearnRequest } from './learn-embedding.ts';
import { WORD_SLOT } from './learn-settings.ts';

export interface SubjectSettings {
  readonly steps: number;
  readonly lr: number;
  readonly lrSchedule: LrSchedule;
  readonly rank: number;
  readonly alpha: number;
  readonly targets: readonly AdapterTarget[];
  /** λ, the prior-preservation weight (the paper's 1). */
  readonly priorWeight: number;
  /** Class images generated before training. */
  readonly classImages: number;
}

export interface SubjectRequest extends LearnRequest {
  /** The subject's class, e.g. "dog": the prompts are "… <tok> dog …", the prior's "… dog …". */
  readonly classWord: string;
  readonly subject: SubjectSettings;
  /** How the class images are sampled (the model's recommended sampling). */
  readonly sampling: Omit<SampleSettings, 'etas' | 'seeds'>;
}

export interface LearnedSubject {
  readonly word: LearnedWord;
  readonly spec: AdapterSpec;
  readonly adapters: readonly AdapterInfo[];
  readonly values: ReadonlyMap<string, Float32Array>;
  readonly losses: { readonly word: readonly number[]; readonly adapters: readonly number[] };
  readonly timing: {
    readonly encode: number;
    readonly word: number;
    readonly classImages: number;
    readonly adapters: number;
  };
}

export async function learnSubjectAsync(
  pkg: ImagicPackage,
  pool: SessionPool,
  request: SubjectRequest,
  hooks: RunHooks = {},
): Promise<LearnedSubject> {
  if (pkg.tokenizer.tokenize(request.classWord).length === 0)
    fail(
      'INVALID_SPEC',
      `the class word “${request.classWord}” is empty for this model; give the subject's class, e.g. "dog"`,
    );
  const { subject } = request;
  // 1. The word (Textual Inversion), then held.
  const learned = await learnEmbeddingAsync(pkg, pool, request, hooks);
  const { word } = learned;
  const templates = request.settings.templates;
  const instancePrompts = templates.map((t) => t.replace(WORD_SLOT, `${word.token} ${request.classWord}`));
  const classPrompts = templates.map((t) => t.replace(WORD_SLOT, request.classWord));

  // 2. Class images from the model itself, before any adapter changes it.
  let t0 = performance.now();
  const net = await samplingSessionAsync(pkg, pool, undefined, predictionsFor(pkg, request.sampling.guidanceScale));
  const empty = await encodeTextAsync(pkg, '');
  const sampling: SampleSettings = { ...request.sampling, etas: [1], seeds: [0] };
  const classExamples: { z0: Float32Array; e: Float32Array }[] = [];
  const classEmbeddings = await Promise.all(classPrompts.map((p) => encodeTextAsync(pkg, p)));
  for (let i = 0; i < subject.classImages; i++) {
    const e = classEmbeddings[i % classEmbeddings.length]!;
    const progress = { done: 0, total: sampling.steps };
    const img = await sampleOneAsync(pkg, net, { target: e, optimized: e, empty }, 1, 7000 + i, sampling, {}, progress);
    classExamples.push({ z0: await encodeImageAsync(pkg, img.pixels), e });
    hooks.onProgress?.({ stage: 'sample', step: i + 1, total: subject.classImages });
  }
  const classImages = performance.now() - t0;

  // 3. The instance prompts through a text encoder that knows the word.
  const instanceEmbeddings = await encodeWithWordAsync(pkg, pool, word, instancePrompts);
  const { latents } = learned;

  // 4. The adapters, on instance and class examples drawn per step.
  t0 = performance.now();
  const spec: AdapterSpec = { targets: adapterPatterns(subject.targets), rank: subject.rank, alpha: subject.alpha };
  const layout = adapterLayout(pkg, spec);
  const values = initAdapterValues(layout.adapters, request.settings.seed);
  const graph = await adapterTrainingSessionAsync(pkg, pool, spec, layout);
  const info = graph.session.input(EMBEDDING_INPUT) ?? fail('INTERNAL', 'the adapter step has no embedding input');
  const dims = info.dims as number[];
  const pick = new Rng(request.settings.seed + 0xd8);
  const classShare = subject.priorWeight / (1 + subject.priorWeight);
  const example = (): TrainingExample => {
    const fromClass = pick.uniform() < classShare;
    const { z0, e } = fromClass
      ? classExamples[Math.floor(pick.uniform() * classExamples.length)]!
      : {
          z0: latents[Math.floor(pick.uniform() * latents.length)]!,
          e: instanceEmbeddings[Math.floor(pick.uniform() * instanceEmbeddings.length)]!,
        };
    // A copy per step: a run's feeds are moved to the session's thread.
    return { z0, feeds: { [EMBEDDING_INPUT]: floatFeed(info, e.slice(), dims) } };
  };
  let adapterLosses: number[];
  try {
    const run = {
      stage: 'learn',
      session: graph.session,
      carried: graph.carried,
      params: values,
      fixed: new Map(),
      z0: latents[0]!,
      example,
      scheduler: pkg.scheduler,
      steps: subject.steps,
      lr: subject.lr,
      lrSchedule: subject.lrSchedule,
      seed: request.settings.seed + 1,
    } as const;
    adapterLosses = (await trainAsync(run, hooks)).losses;
  } finally {
    await pool.releaseAsync(graph.key);
  }
  return {
    word,
    spec,
    adapters: layout.adapters,
    values,
    losses: { word: learned.losses, adapters: adapterLosses },
    timing: {
      encode: learned.timing.encode,
      word: learned.timing.learn,
      classImages,
      adapters: performance.now() - t0,
    },
  };
}

/** `prompts` through the text encoder with `word` as one more learned word (a session for this job only). */
async function encodeWithWordAsync(
  pkg: ImagicPackage,
  pool: SessionPool,
  word: LearnedWord,
  prompts: readonly string[],
): Promise<Float32Array[]> {
  const encoder = await readModel(join(pkg.dir, PACKAGE_FILES.textEncoder));
  const grown = await withLearnedRows(encoder, [...pkg.learnedWords.map((w) => w.vector), word.vector]);
  const key = `${pkg.modelId}/learn#text`;
  const session = await pool.getAsync(key, () => ({
    kind: 'bytes',
    bytes: serializeModel(grown),
    baseDir: join(pkg.dir, 'text_encoder'),
  }));
  const tokenizer = pkg.tokenizer.withLearnedTokens([...pkg.learnedWords.map((w) => w.token), word.token]);
  const { inputIds, output: out } = pkg.textEncoder.variant;
  try {
    const embeddings: Float32Array[] = [];
    for (const prompt of prompts) {
      const ids = tokenizer.encode(prompt, { length: pkg.sequenceLength });
      const results = await session.runAsync({ [inputIds.name]: intFeed(inputIds, ids, [1, pkg.sequenceLength]) }, [
        out.name,
      ]);
      embeddings.push(output(results, out.name));
    }
    return embeddings;
  } finally {
    await pool.releaseAsync(key);
  }
}
