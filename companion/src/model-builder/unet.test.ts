// The generated UNet against what a TorchScript export of diffusers' UNet2DConditionModel contains: it runs on
// onnxruntime for every producer variant, the normaliser folds its dynamic-shape plumbing, node names are
// module paths, and its parameter count matches diffusers (859,520,964 for SD 1.5).
import { beforeAll, describe, expect, it } from 'vitest';
import { cloneModel } from '../autodiff/gradient-model.ts';
import type { Model } from '../graph/ir.ts';
import { normalizeModel } from '../graph/normalize.ts';
import { numel } from '../graph/tensor.ts';
import type { Feeds } from '../runtime/host-tensor.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { buildUNet, UNET_OUTPUT } from './unet.ts';
import { sd15UNetConfig, tinyUNetConfig, unetInputShapes, type TimestepInput, type UNetConfig } from './unet-config.ts';
import { randomUNetFeeds } from './unet-feeds.ts';
import { countUNetParameters } from './unet-parameters.ts';
import { dryRunWeightSink } from './weight-sink.ts';

async function forward(model: Model, feeds: Feeds): Promise<Float32Array> {
  const session = await OrtSession.create(model);
  try {
    const out = (await session.run(feeds))[UNET_OUTPUT]!;
    return out.data as Float32Array;
  } finally {
    await session.release();
  }
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
const opHistogram = (model: Model) => {
  const counts: Record<string, number> = {};
  for (const n of model.graph.nodes) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
  return counts;
};
const normalized = (model: Model, config: UNetConfig) =>
  normalizeModel(cloneModel(model), { inputShapes: unetInputShapes(config) });
const parameterCount = (model: Model, parameters: ReadonlyMap<string, string>) =>
  [...parameters.keys()].reduce((sum, name) => sum + numel(model.graph.initializers.get(name)!.dims), 0);

const variants = ([14, 17] as const).flatMap((opset) =>
  [false, true].flatMap((dynamicShapes) =>
    (['int64[B]', 'float[B]', 'float-scalar'] as TimestepInput[]).map((timestepInput) => ({
      opset,
      dynamicShapes,
      timestepInput,
    })),
  ),
);

describe('#buildUNet', () => {
  // Output of the opset-14, static-shape, float[B] model: every variant below must compute the same function.
  let reference: Float32Array;
  beforeAll(async () => {
    reference = await forward(buildUNet(tinyUNetConfig()).model, randomUNetFeeds(tinyUNetConfig()));
  });

  it.each(
    variants.map(
      (v) => [`opset ${v.opset}, dynamicShapes ${v.dynamicShapes}, timestep ${v.timestepInput}`, v] as const,
    ),
  )('runs on onnxruntime CPU (%s) and agrees with every other variant', async (_label, variant) => {
    const config = tinyUNetConfig(variant);
    const { model } = buildUNet(config);
    const out = await forward(model, randomUNetFeeds(config));
    expect(out.length).toBe(numel(unetInputShapes(config)['sample']!));
    expect(out.every(Number.isFinite)).toBe(true);
    // Same seed, same weights: decomposed vs fused LayerNorm, in-graph vs baked shapes and the three
    // timestep encodings differ only in float32 rounding.
    expect(maxAbsDiff(out, reference)).toBeLessThan(1e-4);
  });

  it('produces O(1) activations with the default init', async () => {
    const out = reference;
    const rms = Math.sqrt(out.reduce((s, v) => s + v * v, 0) / out.length);
    expect(rms).toBeGreaterThan(0.1);
    expect(rms).toBeLessThan(10);
  });

  it.each([14, 17] as const)('normalizeModel folds all dynamic-shape plumbing away (opset %i)', async (opset) => {
    const dynamic = tinyUNetConfig({ opset, dynamicShapes: true });
    const raw = buildUNet(dynamic).model;
    expect(raw.graph.nodes.filter((n) => n.opType === 'Shape').length).toBeGreaterThan(20);
    expect(raw.graph.inputs.find((i) => i.name === 'sample')!.dims).toEqual(['batch', 'channels', 'height', 'width']);
    const folded = normalized(raw, dynamic);
    const plumbing = folded.graph.nodes.filter(
      (n) =>
        ['Shape', 'Gather', 'Concat', 'Unsqueeze'].includes(n.opType) &&
        folded.graph.types.get(n.outputs[0]!)?.dtype === 'int64',
    );
    expect(plumbing.map((n) => n.name)).toEqual([]);
    expect(folded.graph.nodes.some((n) => n.opType === 'Shape')).toBe(false);
    // What is left is exactly the static export's graph.
    const staticModel = normalized(buildUNet(tinyUNetConfig({ opset })).model, dynamic);
    expect(opHistogram(folded)).toEqual(opHistogram(staticModel));
    expect(maxAbsDiff(await forward(folded, randomUNetFeeds(dynamic)), reference)).toBeLessThan(1e-4);
  });

  it('runs a dynamic-shape model at a latent size it was not built for', async () => {
    const config = tinyUNetConfig({ dynamicShapes: true });
    const out = await forward(buildUNet(config).model, randomUNetFeeds(config, { latentSize: 16 }));
    expect(out.length).toBe(4 * 16 * 16);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  it('names nodes by diffusers module path, as PyTorch ≥ 1.13 exports do', () => {
    const names = new Set(buildUNet(tinyUNetConfig({ dynamicShapes: true })).model.graph.nodes.map((n) => n.name));
    const tb = '/down_blocks.0/attentions.0/transformer_blocks.0';
    for (const name of [
      '/conv_in/Conv',
      '/conv_out/Conv',
      '/conv_norm_out/InstanceNormalization',
      '/conv_act/Sigmoid',
      '/time_proj/Sin',
      '/time_embedding/linear_1/Gemm',
      '/time_embedding/act/Mul',
      '/time_embedding/linear_2/Gemm',
      '/down_blocks.0/resnets.0/norm1/Reshape',
      '/down_blocks.0/resnets.0/norm1/InstanceNormalization',
      '/down_blocks.0/resnets.0/norm1/Shape',
      '/down_blocks.0/resnets.0/conv1/Conv',
      '/down_blocks.0/resnets.0/conv2/Conv',
      '/down_blocks.0/resnets.0/time_emb_proj/Gemm',
      '/down_blocks.0/resnets.0/nonlinearity/Sigmoid_2',
      '/down_blocks.1/resnets.0/conv_shortcut/Conv',
      '/down_blocks.0/downsamplers.0/conv/Conv',
      '/down_blocks.0/attentions.0/norm/InstanceNormalization',
      '/down_blocks.0/attentions.0/proj_in/Conv',
      '/down_blocks.0/attentions.0/proj_out/Conv',
      '/down_blocks.0/attentions.0/Add',
      `${tb}/norm1/ReduceMean`,
      `${tb}/norm3/Pow`,
      `${tb}/attn1/to_q/MatMul`,
      `${tb}/attn1/to_k/MatMul`,
      `${tb}/attn1/to_v/MatMul`,
      `${tb}/attn1/to_out.0/MatMul`,
      `${tb}/attn1/to_out.0/Add`,
      `${tb}/attn2/to_k/MatMul`,
      `${tb}/attn2/Softmax`,
      `${tb}/attn2/Reshape_5`,
      `${tb}/ff/net.0/proj/MatMul`,
      `${tb}/ff/net.0/Erf`,
      `${tb}/ff/net.0/Slice_1`,
      `${tb}/ff/net.2/MatMul`,
      `${tb}/Add_2`,
      '/mid_block/resnets.1/conv2/Conv',
      '/mid_block/attentions.0/transformer_blocks.0/attn2/to_v/MatMul',
      '/up_blocks.0/Concat',
      '/up_blocks.0/resnets.1/conv_shortcut/Conv',
      '/up_blocks.0/upsamplers.0/Resize',
      '/up_blocks.0/upsamplers.0/conv/Conv',
      '/up_blocks.1/attentions.1/transformer_blocks.0/attn1/to_out.0/MatMul',
    ])
      expect(names, name).toContain(name);
    // LoRA injection selects its targets by this regex: 4 projections × 2 attentions × 4 transformers.
    expect([...names].filter((n) => /\/attn[12]\/(to_q|to_k|to_v|to_out\.0)\/MatMul$/.test(n))).toHaveLength(32);
    expect(names.has(`${tb}/norm1/LayerNormalization`)).toBe(false);
    const at17 = new Set(buildUNet(tinyUNetConfig({ opset: 17 })).model.graph.nodes.map((n) => n.name));
    expect(at17).toContain(`${tb}/norm1/LayerNormalization`);
  });

  it('keeps parameter names, except for weights the export folds (onnx::MatMul_N, onnx::Mul_N)', () => {
    const { model, parameters } = buildUNet(tinyUNetConfig());
    const node = (name: string) => model.graph.nodes.find((n) => n.name === name)!;
    const toK = node('/down_blocks.0/attentions.0/transformer_blocks.0/attn2/to_k/MatMul').inputs[1]!;
    expect(toK).toMatch(/^onnx::MatMul_\d+$/);
    expect(parameters.get(toK)).toBe('down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight');
    expect(model.graph.initializers.get(toK)!.dims).toEqual([32, 32]);
    expect(node('/down_blocks.0/resnets.0/conv1/Conv').inputs.slice(1)).toEqual([
      'down_blocks.0.resnets.0.conv1.weight',
      'down_blocks.0.resnets.0.conv1.bias',
    ]);
    const gamma = node('/down_blocks.0/resnets.0/norm1/Mul').inputs[1]!;
    expect(parameters.get(gamma)).toBe('down_blocks.0.resnets.0.norm1.weight');
    expect(model.graph.initializers.get(gamma)!.dims).toEqual([32, 1, 1]);
  });

  it('has as many parameters as diffusers counts (tiny built; SD 1.5 in closed form and as a dry-run graph)', () => {
    const tiny = buildUNet(tinyUNetConfig());
    expect(parameterCount(tiny.model, tiny.parameters)).toBe(countUNetParameters(tinyUNetConfig()));
    const text = tinyUNetConfig({ additionEmbedType: 'text', additionEmbedHeads: 4 });
    const withText = buildUNet(text);
    expect(parameterCount(withText.model, withText.parameters)).toBe(countUNetParameters(text));
    expect(countUNetParameters(text)).toBeGreaterThan(countUNetParameters(tinyUNetConfig()));
    // diffusers' state-dict names for TextTimeEmbedding.
    for (const name of [
      'add_embedding.norm1.weight',
      'add_embedding.pool.positional_embedding',
      'add_embedding.pool.q_proj.bias',
      'add_embedding.pool.k_proj.weight',
      'add_embedding.pool.v_proj.weight',
      'add_embedding.proj.weight',
      'add_embedding.norm2.bias',
    ])
      expect([...withText.parameters.values()], name).toContain(name);
    expect(countUNetParameters(sd15UNetConfig())).toBe(859_520_964);
    const sd = buildUNet(sd15UNetConfig(), { sink: dryRunWeightSink });
    expect(parameterCount(sd.model, sd.parameters)).toBe(859_520_964);
    expect(sd.model.graph.nodes.filter((n) => /\/attn[12]\/to_k\/MatMul$/.test(n.name))).toHaveLength(32);
  });

  it('float16: fp16 weights and I/O, fp32 sinusoidal timestep embedding', async () => {
    const config = tinyUNetConfig({ dtype: 'float16' });
    const { model, parameters } = buildUNet(config);
    for (const name of parameters.keys()) expect(model.graph.initializers.get(name)!.dtype).toBe('float16');
    expect(model.graph.inputs.map((i) => i.dtype)).toEqual(['float16', 'float16', 'float16']);
    expect(model.graph.outputs[0]!.dtype).toBe('float16');
    expect(model.graph.nodes.find((n) => n.name === '/time_proj/Sin')).toBeDefined();
    expect(model.graph.types.get(model.graph.nodes.find((n) => n.name === '/time_proj/Sin')!.outputs[0]!)!.dtype).toBe(
      'float32',
    );
    const session = await OrtSession.create(model);
    const out = (await session.run(randomUNetFeeds(config)))[UNET_OUTPUT]!;
    await session.release();
    expect(out.dtype).toBe('float16');
    expect(out.dims).toEqual([1, 4, 8, 8]);
  });
});
