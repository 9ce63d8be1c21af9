// Assembles diffusers' UNet2DConditionModel from the block builders, module for module, so node names and
// weights line up with a TorchScript export of the real model (docs/onnx.md §1.4):
//   conv_in → down_blocks (CrossAttnDownBlock2D for all but the last level, DownBlock2D last) →
//   mid_block (UNetMidBlock2DCrossAttn: resnet, transformer, resnet) → up_blocks (UpBlock2D first, then
//   CrossAttnUpBlock2D, each resnet eating one skip via Concat(axis=1)) → conv_norm_out → SiLU → conv_out.
import type { Model, ValueInfo } from '../graph/ir.ts';
import { intAttr } from '../graph/ir.ts';
import { groupNorm } from './group-norm.ts';
import { conv2d, silu } from './layers.ts';
import { ModuleGraph } from './module-graph.ts';
import { downsample, resnetBlock, upsample, type ResnetOptions } from './resnet.ts';
import { textTimeEmbedding } from './text-time-embedding.ts';
import { timestepEmbedding } from './timestep-embedding.ts';
import { transformer2d } from './transformer.ts';
import { timestepDtype, unetInputShapes, validateUNetConfig, type UNetConfig } from './unet-config.ts';
import { inlineWeightSink, type WeightSink } from './weight-sink.ts';

export interface BuildUNetOptions {
  /** Where weights go as they are generated; inline by default. */
  readonly sink?: WeightSink;
  /** Folder that external-data locations resolve against (the package folder). */
  readonly baseDir?: string;
}

export interface UNetBuild {
  readonly model: Model;
  readonly config: UNetConfig;
  /** Initializer name → diffusers parameter path, for every trainable tensor (and nothing else). */
  readonly parameters: ReadonlyMap<string, string>;
}

export const UNET_INPUTS = {
  sample: 'sample',
  timestep: 'timestep',
  encoderHiddenStates: 'encoder_hidden_states',
} as const;
export const UNET_OUTPUT = 'out_sample';

/** The diffusers export script's dynamic_axes, for dynamicShapes models. */
function symbolicIO(model: Model, config: UNetConfig): void {
  const symbolic: Readonly<Record<string, readonly (string | number)[]>> = {
    sample: ['batch', 'channels', 'height', 'width'],
    timestep: config.timestepInput === 'float-scalar' ? [] : ['batch'],
    encoder_hidden_states: ['batch', 'sequence', config.crossAttentionDim],
    out_sample: ['batch', 'channels', 'height', 'width'],
  };
  const apply = (v: ValueInfo): ValueInfo => ({ ...v, dims: symbolic[v.name] ?? v.dims });
  model.graph.inputs = model.graph.inputs.map(apply);
  model.graph.outputs = model.graph.outputs.map(apply);
}

export function buildUNet(config: UNetConfig, options: BuildUNetOptions = {}): UNetBuild {
  const c = validateUNetConfig(config);
  const g = new ModuleGraph({
    opset: c.opset,
    dtype: c.dtype,
    dynamicShapes: c.dynamicShapes,
    seed: c.seed,
    sink: options.sink ?? inlineWeightSink,
    name: 'unet',
    ...(options.baseDir ? { baseDir: options.baseDir } : {}),
  });
  const shapes = unetInputShapes(c);
  const sample = g.builder.input(UNET_INPUTS.sample, c.dtype, shapes['sample']!);
  const timestep = g.builder.input(UNET_INPUTS.timestep, timestepDtype(c), shapes['timestep']!);
  const context = g.builder.input(UNET_INPUTS.encoderHiddenStates, c.dtype, shapes['encoder_hidden_states']!);
  const channels = c.blockOutChannels;
  const resnet = (outChannels: number): ResnetOptions => ({ outChannels, groups: c.normGroups, eps: c.normEps });
  const attn = { heads: c.attentionHeads, groups: c.normGroups };

  const timeOnly = timestepEmbedding(g, timestep, sample, channels[0]!);
  // UNet2DConditionModel.forward: emb = time_embedding(t) + add_embedding(encoder_hidden_states) when configured.
  const temb =
    c.additionEmbedType === 'text'
      ? g.op('', 'Add', [timeOnly, textTimeEmbedding(g, context, 4 * channels[0]!, c.additionEmbedHeads)])
      : timeOnly;
  let h = conv2d(g, '/conv_in', sample, channels[0]!, { kernel: 3 });
  const skips = [h];

  channels.forEach((out, i) => {
    const scope = `/down_blocks.${i}`;
    const isLast = i === channels.length - 1;
    for (let j = 0; j < c.layersPerBlock; j++) {
      h = resnetBlock(g, `${scope}/resnets.${j}`, h, temb, resnet(out));
      if (!isLast) h = transformer2d(g, `${scope}/attentions.${j}`, h, context, attn);
      skips.push(h);
    }
    if (!isLast) {
      h = downsample(g, `${scope}/downsamplers.0`, h);
      skips.push(h);
    }
  });

  const top = channels[channels.length - 1]!;
  h = resnetBlock(g, '/mid_block/resnets.0', h, temb, resnet(top));
  h = transformer2d(g, '/mid_block/attentions.0', h, context, attn);
  h = resnetBlock(g, '/mid_block/resnets.1', h, temb, resnet(top));

  [...channels].reverse().forEach((out, i) => {
    const scope = `/up_blocks.${i}`;
    // Up block i mirrors down block N−1−i: only the lowest level (i = 0) lacks cross-attention.
    const hasAttention = i > 0;
    for (let j = 0; j <= c.layersPerBlock; j++) {
      h = g.op(scope, 'Concat', [h, skips.pop()!], { axis: intAttr(1) });
      h = resnetBlock(g, `${scope}/resnets.${j}`, h, temb, resnet(out));
      if (hasAttention) h = transformer2d(g, `${scope}/attentions.${j}`, h, context, attn);
    }
    if (i < channels.length - 1) h = upsample(g, `${scope}/upsamplers.0`, h);
  });

  h = silu(g, '/conv_act', groupNorm(g, '/conv_norm_out', h, c.normGroups, c.normEps));
  h = conv2d(g, '/conv_out', h, c.outChannels, { kernel: 3, output: UNET_OUTPUT });
  g.builder.output(h);
  if (c.dynamicShapes) symbolicIO(g.model, c);
  g.model.metadata['imagic.unet_config'] = JSON.stringify(c);
  return { model: g.model, config: c, parameters: g.parameters };
}
