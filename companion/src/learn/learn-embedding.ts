// A Textual Inversion learn job (Gal et al. 2022): a new word's vector, trained through the frozen text encoder and
// UNet (embedding-graph.ts) on a few images of one concept. Per step one image and one prompt template are drawn, the
// image noised at a random t (denoising-loss.ts), and the one shared training loop (training-loop.ts) takes an Adam
// step on the vector. It starts from the vector of an initializer word (the paper's "a single word that describes
// the concept", §4.1), and ends as a LearnedWord the model store saves in diffusers' file layout.
import { fail } from '../errors.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import { toModelInput } from '../images/model-input.ts';
import { carriedInputs, trainingStepModel } from '../engine/adam.ts';
import { buildGradientModel } from '../autodiff/gradient-model.ts';
import { tableRowAsync, tokenTable } from '../engine/learned-rows.ts';
import type { ImagicPackage } from '../engine/package-loader.ts';
import type { RunHooks } from '../engine/progress.ts';
import type { SessionPool } from '../engine/session-pool.ts';
import { encodeImageAsync } from '../engine/stage-encode.ts';
import { intFeed } from '../engine/tensors.ts';
import { trainAsync, type TrainingExample } from '../engine/training-loop.ts';
import { UNET_OUTPUT } from '../engine/unet-graphs.ts';
import type { LearnedWord } from '../models/learned-embeds.ts';
import { checkToken } from '../models/learned-embeds.ts';
import { readModel, serializeModel } from '../onnx/model-file.ts';
import { PACKAGE_FILES } from '../models/package-files.ts';
import { trainsLean } from '../runtime/ort-session.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { Rng } from '../util/rng.ts';
import { embeddingLearnModel, MASK_INPUT, ROW_INPUT } from './embedding-graph.ts';
import { LEARN_IMAGES, validateLearnSettings, WORD_SLOT, type LearnSettings } from './learn-settings.ts';
import { join } from 'node:path';

export interface LearnRequest {
  readonly images: readonly RgbaImage[];
  /** The new word, e.g. "<my-logo>". */
  readonly token: string;
  /** A word the model knows, one token, whose vector the new word starts from. */
  readonly initWord: string;
  readonly settings: LearnSettings;
}

export interface LearnedEmbedding {
  readonly word: LearnedWord;
  readonly losses: readonly number[];
  readonly timing: { readonly encode: number; readonly learn: number };
  /** The images' latents z0, in request order (a subject job trains its adapters on them too). */
  readonly latents: readonly Float32Array[];
}

/** INVALID_SPEC unless a learn job has 3–10 images: checked before any image is read. */
export function checkImageCount(count: number): void {
  if (count < LEARN_IMAGES.min || count > LEARN_IMAGES.max)
    fail('INVALID_SPEC', `give ${LEARN_IMAGES.min}–${LEARN_IMAGES.max} images of the concept, got ${count}`);
}

/** Images of one concept may differ in size, but not by more than this factor per side. */
const SIZE_SPREAD = 2;

/**
 * The checks that need no model run: the number of images and their sizes, a token new to the model (its vocabulary
 * and its learned words: `tokenizer` knows both), an initializer word of one token, templates that keep the word
 * within the sequence. INVALID_SPEC naming what to change.
 */
export function checkLearnRequest(
  tokenizer: ClipTokenizer,
  sequenceLength: number,
  request: Omit<LearnRequest, 'images'> & { readonly images: readonly { width: number; height: number }[] },
): { readonly tokenizer: ClipTokenizer; readonly tokenId: number; readonly initId: number } {
  const { images, token, initWord, settings } = request;
  validateLearnSettings(settings);
  checkImageCount(images.length);
  const spread = (side: 'width' | 'height') =>
    Math.max(...images.map((i) => i[side])) / Math.min(...images.map((i) => i[side]));
  if (spread('width') > SIZE_SPREAD || spread('height') > SIZE_SPREAD)
    fail(
      'INVALID_SPEC',
      `the images are of very different sizes (${images.map((i) => `${i.width}×${i.height}`).join(', ')}); give images within ${SIZE_SPREAD}× of one another per side`,
    );
  checkToken(token);
  const learned = [...tokenizer.learnedIds.keys()];
  if (learned.some((w) => w.toLowerCase() === token.toLowerCase()))
    fail('INVALID_SPEC', `“${token}” is already learned for this model; pick another token or remove it first`);
  const grown = tokenizer.withLearnedTokens([...learned, token]);
  const tokenId = grown.learnedIds.get(token)!;
  const init = tokenizer.tokenize(initWord);
  if (init.length !== 1)
    fail(
      'INVALID_SPEC',
      `the initializer word “${initWord}” is ${init.length === 0 ? 'empty' : `${init.length} tokens`} for this model; give one word it knows`,
    );
  for (const template of settings.templates) {
    const ids = grown.encode(template.replace(WORD_SLOT, token), { length: sequenceLength });
    if (!ids.includes(tokenId))
      fail(
        'INVALID_SPEC',
        `the template ${JSON.stringify(template)} leaves no room for the word in ${sequenceLength} tokens`,
      );
  }
  return { tokenizer: grown, tokenId, initId: init[0]! };
}

/** Runs a learn job on `pkg`'s models; the caller saves the word. */
export async function learnEmbeddingAsync(
  pkg: ImagicPackage,
  pool: SessionPool,
  request: LearnRequest,
  hooks: RunHooks = {},
): Promise<LearnedEmbedding> {
  const { tokenizer, tokenId, initId } = checkLearnRequest(pkg.tokenizer, pkg.sequenceLength, request);
  const { settings } = request;
  let t0 = performance.now();
  const latents: Float32Array[] = [];
  for (const image of request.images)
    latents.push(await encodeImageAsync(pkg, (await toModelInput(image, pkg.imageSize)).pixels));
  const prompts = settings.templates.map((t) =>
    promptFeeds(tokenizer, pkg, t.replace(WORD_SLOT, request.token), tokenId),
  );
  hooks.onProgress?.({ stage: 'encode', step: 1, total: 1 });
  const encode = performance.now() - t0;

  t0 = performance.now();
  const encoder = await readModel(join(pkg.dir, PACKAGE_FILES.textEncoder));
  const source = {
    model: encoder,
    idsInput: pkg.textEncoder.variant.inputIds.name,
    output: pkg.textEncoder.variant.output.name,
    learnedRows: pkg.learnedWords.map((w) => w.vector),
  };
  const carried = carriedInputs([ROW_INPUT]);
  const key = `${pkg.modelId}/learn#embedding:${pkg.learnedWords.length}`;
  const joined = await embeddingLearnModel(source, pkg.unet.model, pkg.sequenceLength);
  const gradient = buildGradientModel(joined, { loss: { type: 'mse', output: UNET_OUTPUT }, wrt: [ROW_INPUT] });
  const step = trainingStepModel(gradient.model, [ROW_INPUT]).model;
  // The bytes anew for every provider tried: a session's bytes are moved to its thread.
  const session = await pool.getAsync(
    key,
    () => ({ kind: 'bytes', bytes: serializeModel(step), baseDir: step.baseDir }),
    undefined,
    { kind: trainsLean(pkg.unet.model.graph) ? 'memory' : 'speed', deviceOutputs: [...carried.keys()] },
  );
  const vector = await initialVectorAsync(encoder, source.idsInput, initId, pkg);
  const params = new Map([[ROW_INPUT, vector]]);
  // One stream picks (image, template) per step; the loop's own stream, seeded apart, draws (t, ε).
  const pick = new Rng(settings.seed + 0x5eed);
  const example = (): TrainingExample => {
    const z0 = latents[Math.floor(pick.uniform() * latents.length)]!;
    const feeds = prompts[Math.floor(pick.uniform() * prompts.length)]!;
    // Copies: a run's feeds are moved to the session's thread.
    return {
      z0,
      feeds: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { ...t, data: t.data.slice() }])),
    };
  };
  let losses: number[];
  try {
    const run = {
      stage: 'learn',
      session,
      carried,
      params,
      fixed: new Map(),
      z0: latents[0]!,
      example,
      scheduler: pkg.scheduler,
      steps: settings.steps,
      lr: settings.lr,
      lrSchedule: settings.lrSchedule,
      seed: settings.seed,
    } as const;
    losses = (await trainAsync(run, hooks)).losses;
  } finally {
    await pool.releaseAsync(key);
  }
  return {
    word: { token: request.token, vector },
    losses,
    timing: { encode, learn: performance.now() - t0 },
    latents,
  };
}

/** A prompt's input_ids and the mask of the new word's positions, as the training step takes them. */
function promptFeeds(
  tokenizer: ClipTokenizer,
  pkg: ImagicPackage,
  prompt: string,
  tokenId: number,
): Record<string, HostTensor> {
  const T = pkg.sequenceLength;
  const ids = tokenizer.encode(prompt, { length: T });
  const mask = Float32Array.from(ids, (id) => (id === tokenId ? 1 : 0));
  const idsInfo = pkg.textEncoder.variant.inputIds;
  return {
    [idsInfo.name]: intFeed(idsInfo, ids, [1, T]),
    [MASK_INPUT]: { dtype: 'float32', dims: [1, T, 1], data: mask },
  };
}

/** The initializer word's row of the token table (a learned word's, when it is one), as float32. */
async function initialVectorAsync(
  encoder: Awaited<ReturnType<typeof readModel>>,
  idsInput: string,
  initId: number,
  pkg: ImagicPackage,
): Promise<Float32Array> {
  const table = tokenTable(encoder, idsInput);
  const rows = table.dims[0]!;
  if (initId >= rows) {
    const learned =
      pkg.learnedWords[initId - rows] ??
      fail('INTERNAL', `token id ${initId} is past the table (${rows} rows) and the learned words`);
    return learned.vector.slice();
  }
  return tableRowAsync(encoder, table, initId);
}
