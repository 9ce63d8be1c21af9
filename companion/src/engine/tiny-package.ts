// Writes a complete, tiny diffusers-ONNX Stable Diffusion package (docs/onnx.md §1.2) for tests and benchmarks:
// model_index.json, scheduler/, tokenizer/, text_encoder/, unet/, vae_encoder/, vae_decoder/. Each option selects
// one producer variant of docs/onnx.md §1.1 (timestep type and rank, input_ids dtype, VAE encoder output, fp16,
// external UNet weights, in-graph shape plumbing), so the loader and the stages can be tested against all of them
// without a download. Everything is seeded: the same options give the same bytes.
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeModel } from '../onnx/model-file.ts';
import { tinyUNetConfig, type TimestepInput, type UNetConfig } from '../model-builder/unet-config.ts';
import { writeUNetPackage } from '../model-builder/unet-package.ts';
import { buildTinyTextEncoder } from './tiny/tiny-text-encoder.ts';
import { buildTinyVaeDecoder, buildTinyVaeEncoder, VAE_DOWNSAMPLE, type VaeEncoderOutput } from './tiny/tiny-vae.ts';
import { ONNX_PIPELINE_INDEX, SD15_SCHEDULER_CONFIG } from './pipeline-index.ts';

export interface TinyPackageOptions {
  readonly timestepInput?: TimestepInput;
  readonly inputIds?: 'int32' | 'int64';
  readonly vaeEncoderOutput?: VaeEncoderOutput;
  readonly dtype?: 'float32' | 'float16';
  /** UNet weights in unet/weights.pb (the diffusers script's layout) instead of inline. */
  readonly externalWeights?: boolean;
  /** Symbolic I/O dims and in-graph shape plumbing in the UNet, as TorchScript exports have. */
  readonly dynamicShapes?: boolean;
  /** Image side in pixels; the latent is a eighth of it. */
  readonly imageSize?: number;
  readonly sequenceLength?: number;
  /** Text embedding width = the UNet's cross-attention dim. */
  readonly hidden?: number;
  /** Written to vae_encoder/ and vae_decoder/config.json; null writes no VAE config (the loader's default applies). */
  readonly scalingFactor?: number | null;
  readonly seed?: number;
  /** Folder with vocab.json, merges.txt, …; defaults to the repository's small CLIP fixture. */
  readonly tokenizerDir?: string;
  /** Text encoder depth; the default (2 layers, 2 heads) keeps tests fast. CLIP ViT-L/14's text tower is 12 × 12. */
  readonly textLayers?: number;
  readonly textHeads?: number;
  /**
   * The UNet's config instead of the tiny one (e.g. sd15UNetConfig for the benchmark's SD 1.5-shaped package). Its
   * latent size, sequence length and cross-attention width must agree with imageSize / 8, sequenceLength and hidden.
   */
  readonly unet?: UNetConfig;
}

export interface TinyPackage {
  readonly dir: string;
  readonly unetConfig: UNetConfig;
  readonly imageSize: number;
  readonly sequenceLength: number;
  readonly hidden: number;
}

const FIXTURE_TOKENIZER = fileURLToPath(new URL('../../../tests/fixtures/tokenizer/', import.meta.url));
const TOKENIZER_FILES = ['vocab.json', 'merges.txt', 'special_tokens_map.json', 'tokenizer_config.json'] as const;
/** SD 1.x's VAE scaling factor (diffusers AutoencoderKL config `scaling_factor`). */
export const SD_SCALING_FACTOR = 0.18215;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export async function writeTinyPackage(dir: string, options: TinyPackageOptions = {}): Promise<TinyPackage> {
  const root = resolve(dir);
  const o = {
    timestepInput: options.timestepInput ?? 'float[B]',
    inputIds: options.inputIds ?? 'int64',
    vaeEncoderOutput: options.vaeEncoderOutput ?? 'latent_parameters',
    dtype: options.dtype ?? 'float32',
    imageSize: options.imageSize ?? 64,
    sequenceLength: options.sequenceLength ?? 8,
    hidden: options.hidden ?? 32,
    scalingFactor: options.scalingFactor === undefined ? SD_SCALING_FACTOR : options.scalingFactor,
    seed: options.seed ?? 1,
  } as const;
  if (o.imageSize % (VAE_DOWNSAMPLE * 2) !== 0) throw new RangeError(`imageSize must be a multiple of 16, got ${o.imageSize}`);
  const folder = async (name: string) => {
    await mkdir(join(root, name), { recursive: true });
    return join(root, name);
  };

  await mkdir(root, { recursive: true });
  await writeFile(
    join(root, 'model_index.json'),
    json(ONNX_PIPELINE_INDEX),
  );
  await writeFile(join(await folder('scheduler'), 'scheduler_config.json'), json(SD15_SCHEDULER_CONFIG));

  const tokenizerSource = options.tokenizerDir ?? FIXTURE_TOKENIZER;
  const tokenizerDir = await folder('tokenizer');
  for (const file of TOKENIZER_FILES) await copyFile(join(tokenizerSource, file), join(tokenizerDir, file));
  const vocab = JSON.parse(await readFile(join(tokenizerSource, 'vocab.json'), 'utf8')) as Record<string, number>;
  const vocabSize = Math.max(...Object.values(vocab)) + 1;

  const textEncoder = buildTinyTextEncoder({
    vocabSize,
    sequenceLength: o.sequenceLength,
    hidden: o.hidden,
    heads: options.textHeads ?? 2,
    layers: options.textLayers ?? 2,
    inputIds: o.inputIds,
    dtype: o.dtype,
    seed: o.seed + 100,
  });
  await writeModel(textEncoder, join(await folder('text_encoder'), 'model.onnx'));

  const unetConfig = options.unet ?? tinyUNetConfig({
    crossAttentionDim: o.hidden,
    sequenceLength: o.sequenceLength,
    latentSize: o.imageSize / VAE_DOWNSAMPLE,
    timestepInput: o.timestepInput,
    dtype: o.dtype,
    dynamicShapes: options.dynamicShapes ?? false,
    seed: o.seed,
  });
  const agrees = unetConfig.latentSize === o.imageSize / VAE_DOWNSAMPLE && unetConfig.sequenceLength === o.sequenceLength && unetConfig.crossAttentionDim === o.hidden;
  if (!agrees) throw new RangeError(`the UNet config (latent ${unetConfig.latentSize}, ${unetConfig.sequenceLength} tokens × ${unetConfig.crossAttentionDim}) disagrees with the package (image ${o.imageSize}, ${o.sequenceLength} tokens × ${o.hidden})`);
  await writeUNetPackage(unetConfig, await folder('unet'), { external: options.externalWeights ?? false });

  const vae = { imageSize: o.imageSize, encoderOutput: o.vaeEncoderOutput, dtype: o.dtype, scalingFactor: o.scalingFactor ?? SD_SCALING_FACTOR, seed: o.seed + 200 };
  const vaeConfig = { _class_name: 'AutoencoderKL', latent_channels: 4, sample_size: o.imageSize, scaling_factor: o.scalingFactor };
  const encoderDir = await folder('vae_encoder');
  const decoderDir = await folder('vae_decoder');
  await writeModel(buildTinyVaeEncoder(vae), join(encoderDir, 'model.onnx'));
  await writeModel(buildTinyVaeDecoder(vae), join(decoderDir, 'model.onnx'));
  if (o.scalingFactor !== null) {
    // optimum writes the VAE's config.json into both halves' folders.
    await writeFile(join(encoderDir, 'config.json'), json(vaeConfig));
    await writeFile(join(decoderDir, 'config.json'), json(vaeConfig));
  }
  return { dir: root, unetConfig, imageSize: o.imageSize, sequenceLength: o.sequenceLength, hidden: o.hidden };
}
