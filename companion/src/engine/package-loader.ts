// Loads a diffusers/optimum ONNX Stable Diffusion 1.x package (a tiny one from tiny-package.ts, or a real one):
// checks its files, reads the scheduler config, the VAE scaling factor and the tokenizer, opens the text encoder
// and VAE sessions in the worker, detects every producer variant from the declared I/O (model-variants.ts), and
// reads and normalises the UNet graph, which the stages turn into gradient and sampling graphs. Normalising
// refuses onnxruntime-optimised UNets (com.microsoft fused ops) with CONTRIB_OP.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { once } from '../util/once.ts';
import { cloneModel } from '../autodiff/gradient-model.ts';
import type { SchedulerConfig } from '../diffusion/schedulers/scheduler-config.ts';
import type { Model } from '../graph/ir.ts';
import { normalizeModel } from '../graph/normalize.ts';
import type { Size } from '../images/model-input.ts';
import { readModel, serializeModel } from '../onnx/model-file.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { fail } from '../errors.ts';
import {
  staticDim,
  textEncoderVariant,
  unetVariant,
  vaeDecoderVariant,
  vaeEncoderVariant,
  type TextEncoderVariant,
  type UNetVariant,
  type VaeDecoderVariant,
  type VaeEncoderVariant,
} from './model-variants.ts';
import {
  checkPackageFiles,
  packageFingerprint,
  PACKAGE_FILES,
  readSchedulerConfig,
  readVaeScalingFactor,
  type ScalingFactor,
} from '../models/package-files.ts';
import { hasRandomOps, withPosteriorMean } from './posterior-mean.ts';
import type { SessionPool } from './session-pool.ts';
import { tokenTable, withLearnedRows } from './learned-rows.ts';
import type { LearnedWord } from '../models/learned-embeds.ts';
import { hasLearnedWordsAsync, learnedWordsAsync } from '../models/learned-store.ts';
import type { SessionSource } from '../runtime/worker/rpc.ts';
import type { RemoteSession } from '../runtime/worker/session-host.ts';

/** Latent channels when neither the UNet nor the VAE decoder fixes them: SD 1.x/2.x's VAE. */
export const LATENT_CHANNELS = 4;
export const VAE_DOWNSAMPLE = 8;
/** Working resolution when the UNet's sample dims are symbolic: SD 1.x is trained at 512×512. */
export const DEFAULT_WORKING_SIZE = 512;
/** CLIP's context length, when neither the text encoder, the UNet nor the tokenizer fixes it. */
const CLIP_LENGTH = 77;

export interface LoadOptions {
  /** Working resolution (a multiple of 64) for UNets with symbolic sample dims; ignored when they are static. */
  readonly workingSize?: number;
  /** The data folder whose learned words for this model (models/learned-store.ts) every prompt understands. */
  readonly dataDir?: string;
}

export interface LoadedUNet {
  /** Normalised with static shapes for batch 1 (the input of the gradient and sampling graph builders). */
  readonly model: Model;
  /**
   * The same UNet at batch 2, for classifier-free guidance's pair of predictions as one run; null when the export
   * fixed its batch at 1 (its reshapes then cannot take two). Normalised on first use.
   */
  guided(): Model | null;
  readonly variant: UNetVariant;
  readonly inputShapes: Readonly<Record<string, readonly number[]>>;
  /** Tells this UNet's graphs apart from the package's own in the session pool (a folded subject: learn/subject-unet.ts). */
  readonly key?: string;
}

export interface ImagicPackage {
  readonly dir: string;
  readonly modelId: string;
  readonly scheduler: SchedulerConfig;
  readonly scalingFactor: ScalingFactor;
  /** The package's tokenizer, with the model's learned words. */
  readonly tokenizer: ClipTokenizer;
  /** The learned words the text encoder and tokenizer know (models/learned-store.ts). */
  readonly learnedWords: readonly LearnedWord[];
  readonly sequenceLength: number;
  /** The model's working canvas in pixels. */
  readonly imageSize: Size;
  readonly latentDims: readonly [1, number, number, number];
  readonly unet: LoadedUNet;
  readonly textEncoder: { readonly session: RemoteSession; readonly variant: TextEncoderVariant };
  readonly vaeEncoder: { readonly session: RemoteSession; readonly variant: VaeEncoderVariant };
  readonly vaeDecoder: { readonly session: RemoteSession; readonly variant: VaeDecoderVariant };
}

const path = (dir: string, file: keyof typeof PACKAGE_FILES) => join(dir, PACKAGE_FILES[file]);

export async function loadPackageAsync(
  dir: string,
  pool: SessionPool,
  options: LoadOptions = {},
): Promise<ImagicPackage> {
  await checkPackageFiles(dir);
  const [scheduler, scalingFactor, baseTokenizer, modelId] = await Promise.all([
    readSchedulerConfig(dir),
    readVaeScalingFactor(dir),
    ClipTokenizer.fromFiles(join(dir, 'tokenizer')),
    packageFingerprint(dir),
  ]);

  // Learned words: one token each in the tokenizer, one row each in the text encoder's token table (learned-rows.ts).
  const learned = options.dataDir ? await learnedEncoderAsync(options.dataDir, dir) : null;
  const learnedWords = learned?.words ?? [];
  const tokenizer = baseTokenizer.withLearnedTokens(learnedWords.map((w) => w.token));
  // The first session picks the execution provider for all of them. Each try gets its own copy of the bytes: a
  // session's bytes are moved to its thread, so a provider that fails takes them with it.
  const textSession = await pool.getAsync(
    `${modelId}/text_encoder${learned ? `+${learned.key}` : ''}`,
    (): SessionSource =>
      learned
        ? { kind: 'bytes', bytes: learned.bytes.slice(), baseDir: join(dir, 'text_encoder') }
        : { kind: 'file', path: path(dir, 'textEncoder') },
  );
  const text = textEncoderVariant(textSession);

  // The UNet's declared inputs are read from its graph, which the stages need anyway, rather than from a session:
  // they are the same declarations, and a forward session of SD's UNet would hold 3.4 GB for nothing.
  const unetSource = await readModel(path(dir, 'unet'));
  const unet = unetVariant({ inputs: unetSource.graph.inputs, outputs: unetSource.graph.outputs });

  const sequenceLength =
    staticDim(text.inputIds, 1) ?? staticDim(unet.encoderHiddenStates, 1) ?? tokenizer.maxLength ?? CLIP_LENGTH;
  const width = staticDim(text.output, 2) ?? staticDim(unet.encoderHiddenStates, 2);
  if (width === undefined)
    fail(
      'MODEL_INVALID',
      'neither the text encoder nor the UNet declares the embedding width (last_hidden_state / encoder_hidden_states dim 2)',
    );
  // The working size: the UNet's static sample dims, else the VAE encoder's static input, else the option.
  const encoderSession = await openVaeEncoderAsync(dir, modelId, pool);
  const encoder = vaeEncoderVariant(encoderSession);
  const working = options.workingSize ?? DEFAULT_WORKING_SIZE;
  const latentH = staticDim(unet.sample, 2) ?? (staticDim(encoder.input, 2) ?? working) / VAE_DOWNSAMPLE;
  const latentW = staticDim(unet.sample, 3) ?? (staticDim(encoder.input, 3) ?? working) / VAE_DOWNSAMPLE;
  if (!Number.isInteger(latentH) || !Number.isInteger(latentW))
    fail(
      'MODEL_INVALID',
      `the working size ${latentH * VAE_DOWNSAMPLE}×${latentW * VAE_DOWNSAMPLE} is not a multiple of ${VAE_DOWNSAMPLE}`,
    );
  const decoderSession = await pool.getAsync(`${modelId}/vae_decoder`, () => ({
    kind: 'file',
    path: path(dir, 'vaeDecoder'),
  }));
  const decoder = vaeDecoderVariant(decoderSession);
  const channels = latentChannels(unet, decoder);
  const inputShapes = {
    sample: [1, channels, latentH, latentW],
    timestep: unet.timestepVariant === 'float-scalar' ? [] : [1],
    encoder_hidden_states: [1, sequenceLength, width!],
  };
  const unetModel = normalizeModel(cloneModel(unetSource), { inputShapes });
  const guided = once(() => atBatch(unetSource, inputShapes, 2));

  return {
    dir,
    modelId,
    scheduler,
    scalingFactor,
    tokenizer,
    learnedWords,
    sequenceLength,
    imageSize: { width: latentW * VAE_DOWNSAMPLE, height: latentH * VAE_DOWNSAMPLE },
    latentDims: [1, channels, latentH, latentW],
    unet: { model: unetModel, variant: unet, inputShapes, guided },
    textEncoder: { session: textSession, variant: text },
    vaeEncoder: { session: encoderSession, variant: encoder },
    vaeDecoder: { session: decoderSession, variant: decoder },
  };
}

/** The UNet normalised for `batch`, or null when its export cannot run that batch (a fixed batch of 1). */
function atBatch(source: Model, shapes: Readonly<Record<string, readonly number[]>>, batch: number): Model | null {
  const batched = Object.fromEntries(
    Object.entries(shapes).map(([k, d]) => [k, d.length === 0 ? d : [batch, ...d.slice(1)]]),
  );
  // Normalising is the test: a fixed-batch export fails shape inference or keeps batch 1, and sampling then runs the
  // pair as two batch-1 runs, as before.
  try {
    const model = normalizeModel(cloneModel(source), { inputShapes: batched });
    const out = model.graph.outputs[0];
    return out && out.dims[0] === batch ? model : null;
  } catch {
    return null;
  }
}

/**
 * The latent channels C, from the package rather than assumed (SD 1.x/2.x: 4; a pixel-space or patch VAE: others). A
 * text-to-image UNet denoises the latent it is given, so its input, its output and the VAE's latent agree; an inpainting
 * UNet (9 in, 4 out: latent, mask and masked-image latent) does not, and is refused here with what it is.
 */
function latentChannels(unet: UNetVariant, decoder: VaeDecoderVariant): number {
  const declared: readonly (readonly [string, number | undefined])[] = [
    ["the UNet's sample", staticDim(unet.sample, 1)],
    ["the UNet's out_sample", staticDim(unet.output, 1)],
    ["the VAE decoder's latent_sample", staticDim(decoder.input, 1)],
  ];
  const known = declared.filter((d): d is readonly [string, number] => d[1] !== undefined);
  const channels = known[0]?.[1] ?? LATENT_CHANNELS;
  const other = known.find(([, c]) => c !== channels);
  if (other)
    fail(
      'MODEL_INVALID',
      `${known[0]![0]} has ${channels} channels but ${other[0]} has ${other[1]}: not a text-to-image package (an inpainting UNet takes 9 channels and returns 4); export the text-to-image pipeline`,
    );
  return channels;
}

/** The VAE encoder's session; a sampling encoder (latent_sample) is reopened rewritten to return the mean. */
async function openVaeEncoderAsync(dir: string, modelId: string, pool: SessionPool): Promise<RemoteSession> {
  const key = `${modelId}/vae_encoder`;
  const plain = await pool.getAsync(key, () => ({ kind: 'file', path: path(dir, 'vaeEncoder') }));
  if (!vaeEncoderVariant(plain).rule.sampled) return plain;
  const graph = await readModel(path(dir, 'vaeEncoder'));
  if (!hasRandomOps(graph)) return plain;
  await pool.releaseAsync(key);
  const mean = withPosteriorMean(graph);
  return pool.getAsync(`${key}#mean`, () => ({
    kind: 'bytes',
    bytes: serializeModel(mean),
    baseDir: join(dir, 'vae_encoder'),
  }));
}

/**
 * The text encoder with the model's learned words as extra rows of its token table, serialised, and the words; null
 * when the model has none (its own file opens as it is). `key` tells one set of words from another in the pool.
 */
async function learnedEncoderAsync(
  dataDir: string,
  dir: string,
): Promise<{ words: LearnedWord[]; bytes: Uint8Array; key: string } | null> {
  if (!(await hasLearnedWordsAsync(dataDir, dir))) return null;
  const encoder = await readModel(path(dir, 'textEncoder'));
  const width = tokenTable(encoder).dims[1]!;
  const words = await learnedWordsAsync(dataDir, dir, width);
  const bytes = serializeModel(
    await withLearnedRows(
      encoder,
      words.map((w) => w.vector),
    ),
  );
  return { words, bytes, key: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
}
