// What a generated SD-1.x UNet looks like: the architecture numbers of diffusers' UNet2DConditionModel config
// (block_out_channels, layers_per_block, attention_head_dim, cross_attention_dim, norm_num_groups, norm_eps)
// plus the export choices that differ between real ONNX producers (docs/onnx.md §1.1, §1.4): the timestep's
// type and rank, dtype, opset, and whether shapes are computed in-graph as TorchScript exports do.

/**
 * How the `timestep` input is declared, one row per producer (docs/onnx.md §1.3):
 * int64 [B] (early diffusers script, optimum < 1.24), float [B] (later diffusers script, Olive),
 * float 0-d scalar (optimum ≥ 1.24, optimum-onnx). Float timesteps take the model's dtype.
 */
export type TimestepInput = 'int64[B]' | 'float[B]' | 'float-scalar';

export interface UNetConfig {
  /** Channels per resolution level; the last level has no attention and no downsampler (diffusers' DownBlock2D). */
  readonly blockOutChannels: readonly number[];
  readonly layersPerBlock: number;
  /** Heads per attention layer (SD 1.x's `attention_head_dim: 8` is really the head count); head dim = channels / heads. */
  readonly attentionHeads: number;
  readonly crossAttentionDim: number;
  /** Tokens in `encoder_hidden_states` (77 for CLIP). */
  readonly sequenceLength: number;
  /** Latent height = width. */
  readonly latentSize: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly normGroups: number;
  /** GroupNorm epsilon of the resnets and conv_norm_out (the transformers' GroupNorm uses 1e-6, LayerNorm 1e-5, as in diffusers). */
  readonly normEps: number;
  readonly timestepInput: TimestepInput;
  readonly batch: number;
  readonly dtype: 'float32' | 'float16';
  /** 14: LayerNorm decomposed into ReduceMean/Sub/Pow/…; 17: LayerNormalization. */
  readonly opset: 14 | 17;
  /**
   * Emit PyTorch's Shape→Gather→Unsqueeze→Concat plumbing for the GroupNorm and attention reshapes, the GEGLU
   * split and the timestep broadcast, and declare symbolic I/O dims (batch, height, width, sequence) as the
   * diffusers export script does. The normaliser must then fold all of it away given static input shapes.
   */
  readonly dynamicShapes: boolean;
  /**
   * diffusers' `addition_embed_type`: null (SD 1.x) or 'text', a pooled summary of encoder_hidden_states added to the
   * time embedding (text-time-embedding.ts), with `additionEmbedHeads` heads (`addition_embed_type_num_heads`).
   */
  readonly additionEmbedType: 'text' | null;
  readonly additionEmbedHeads: number;
  readonly seed: number;
}

/** A two-level UNet small enough to build, run forward and backward in well under a second on CPU. */
export function tinyUNetConfig(overrides: Partial<UNetConfig> = {}): UNetConfig {
  return validateUNetConfig({
    blockOutChannels: [32, 64],
    layersPerBlock: 1,
    attentionHeads: 2,
    crossAttentionDim: 32,
    sequenceLength: 8,
    latentSize: 8,
    inChannels: 4,
    outChannels: 4,
    normGroups: 8,
    normEps: 1e-5,
    timestepInput: 'float[B]',
    batch: 1,
    dtype: 'float32',
    opset: 14,
    dynamicShapes: false,
    additionEmbedType: null,
    additionEmbedHeads: 64,
    seed: 1,
    ...overrides,
  });
}

/** Stable Diffusion 1.5's UNet (runwayml/stable-diffusion-v1-5 unet/config.json): 859,520,964 parameters. */
export function sd15UNetConfig(overrides: Partial<UNetConfig> = {}): UNetConfig {
  return validateUNetConfig({
    blockOutChannels: [320, 640, 1280, 1280],
    layersPerBlock: 2,
    attentionHeads: 8,
    crossAttentionDim: 768,
    sequenceLength: 77,
    latentSize: 64,
    inChannels: 4,
    outChannels: 4,
    normGroups: 32,
    normEps: 1e-5,
    timestepInput: 'float[B]',
    batch: 1,
    dtype: 'float32',
    opset: 14,
    dynamicShapes: true,
    additionEmbedType: null,
    additionEmbedHeads: 64,
    seed: 1,
    ...overrides,
  });
}

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;

/** Checks the numbers fit together (GroupNorm groups and heads divide every channel count) and returns the config. */
export function validateUNetConfig(config: UNetConfig): UNetConfig {
  const c = config;
  const channels = c.blockOutChannels;
  if (channels.length < 1 || !channels.every(positiveInt)) {
    throw new RangeError(`blockOutChannels must be positive integers, got [${channels.join(', ')}]`);
  }
  for (const [key, value] of Object.entries({
    layersPerBlock: c.layersPerBlock,
    attentionHeads: c.attentionHeads,
    crossAttentionDim: c.crossAttentionDim,
    sequenceLength: c.sequenceLength,
    inChannels: c.inChannels,
    outChannels: c.outChannels,
    normGroups: c.normGroups,
    batch: c.batch,
  })) {
    if (!positiveInt(value)) throw new RangeError(`${key} must be a positive integer, got ${value}`);
  }
  for (const ch of channels) {
    if (ch % c.normGroups !== 0)
      throw new RangeError(`normGroups ${c.normGroups} must divide every block channel count; ${ch} is not a multiple`);
    if (ch % c.attentionHeads !== 0)
      throw new RangeError(
        `attentionHeads ${c.attentionHeads} must divide every block channel count; ${ch} is not a multiple`,
      );
  }
  // The latent is halved once per downsampler and must come back to the same size on the way up.
  const downsamplers = channels.length - 1;
  if (!positiveInt(c.latentSize) || c.latentSize % 2 ** downsamplers !== 0) {
    throw new RangeError(
      `latentSize ${c.latentSize} must be a multiple of 2^${downsamplers} for ${channels.length} blocks`,
    );
  }
  if (
    c.additionEmbedType === 'text' &&
    (!positiveInt(c.additionEmbedHeads) || c.crossAttentionDim % c.additionEmbedHeads !== 0)
  )
    throw new RangeError(
      `additionEmbedHeads ${c.additionEmbedHeads} must divide crossAttentionDim ${c.crossAttentionDim}`,
    );
  if (c.opset !== 14 && c.opset !== 17) throw new RangeError(`opset must be 14 or 17, got ${String(c.opset)}`);
  if (!(c.normEps > 0)) throw new RangeError(`normEps must be positive, got ${c.normEps}`);
  return config;
}

/** Static dims of the UNet's inputs, as normalizeModel/buildGradientModel take them (`inputShapes`). */
export function unetInputShapes(config: UNetConfig): Record<string, number[]> {
  const c = config;
  return {
    sample: [c.batch, c.inChannels, c.latentSize, c.latentSize],
    timestep: c.timestepInput === 'float-scalar' ? [] : [c.batch],
    encoder_hidden_states: [c.batch, c.sequenceLength, c.crossAttentionDim],
  };
}

/** The dtype of the `timestep` input. */
export const timestepDtype = (config: UNetConfig): 'int64' | 'float32' | 'float16' =>
  config.timestepInput === 'int64[B]' ? 'int64' : config.dtype;
