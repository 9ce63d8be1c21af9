// Whole-model gradient checks on a generated SD-1.x-architecture UNet: the autodiff against finite differences
// through every block (GroupNorm, attention, GEGLU, Resize, skips) at opsets 14 and 17, with and without the
// dynamic-shape plumbing; the fp16 model against its fp32 twin; external weights against inline ones.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHalf, toHalf } from '../graph/half.ts';
import type { Model } from '../graph/ir.ts';
import { numel } from '../graph/tensor.ts';
import { buildUNet, UNET_OUTPUT } from '../model-builder/unet.ts';
import { tinyUNetConfig, unetInputShapes, type UNetConfig } from '../model-builder/unet-config.ts';
import { randomUNetFeeds } from '../model-builder/unet-feeds.ts';
import { writeUNetPackage } from '../model-builder/unet-package.ts';
import { readModel } from '../onnx/model-file.ts';
import type { Feeds, HostTensor } from '../runtime/host-tensor.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { Rng } from '../util/rng.ts';
import { gradcheck } from './gradcheck.ts';
import { buildGradientModel } from './gradient-model.ts';

const TO_K = '/down_blocks.0/attentions.0/transformer_blocks.0/attn2/to_k/MatMul';
const CONV = '/up_blocks.1/resnets.0/conv1/Conv';
const CONTEXT = 'encoder_hidden_states';
const POOL_POSITION = 'add_embedding.pool.positional_embedding';
const POOL_K = '/add_embedding/pool/k_proj/MatMul';

const weightOf = (model: Model, nodeName: string): string => {
  const node = model.graph.nodes.find((n) => n.name === nodeName);
  if (!node) throw new Error(`no node '${nodeName}'`);
  return node.inputs[1]!;
};

const spec = (config: UNetConfig, wrt: readonly string[]) => ({
  loss: { type: 'mse' as const, output: UNET_OUTPUT },
  wrt,
  inputShapes: unetInputShapes(config),
});

/** Runs the gradient graph once with a fixed target; returns grad::encoder_hidden_states and the loss. */
async function contextGradient(
  model: Model,
  config: UNetConfig,
  feeds: Feeds,
): Promise<{ grad: Float32Array; loss: number }> {
  const built = buildGradientModel(model, spec(config, [CONTEXT]));
  const outDims = unetInputShapes(config)['sample']!;
  const target: HostTensor = { dtype: 'float32', dims: outDims, data: new Rng(11).normalArray(numel(outDims)) };
  const session = await OrtSession.create(built.model);
  try {
    const out = await session.run({ ...feeds, [built.targetInput]: target });
    return {
      grad: out[built.gradOutputs.get(CONTEXT)!]!.data as Float32Array,
      loss: Number(out[built.lossOutput]!.data[0]),
    };
  } finally {
    await session.release();
  }
}

const relL2 = (a: Float32Array, ref: Float32Array) => {
  let num = 0;
  let den = 0;
  ref.forEach((r, i) => {
    num += (a[i]! - r) ** 2;
    den += r * r;
  });
  return Math.sqrt(num / den);
};

describe('whole-UNet gradients', () => {
  const cases = [
    ...([14, 17] as const).flatMap((opset) => [false, true].map((dynamicShapes) => ({ opset, dynamicShapes }))),
    // The text-time embedding (addition_embed_type "text", as the demo model has it): the context reaches the resnets too.
    { opset: 14 as const, dynamicShapes: false, additionEmbedType: 'text' as const, additionEmbedHeads: 4 },
  ];

  it.each(
    cases.map(
      (c) =>
        [
          `opset ${c.opset}, dynamicShapes ${c.dynamicShapes}${'additionEmbedType' in c ? ', text-time embedding' : ''}`,
          c,
        ] as const,
    ),
  )(
    'match finite differences wrt encoder_hidden_states, sample, a to_k weight and a conv weight (%s)',
    async (_label, variant) => {
      const config = tinyUNetConfig(variant);
      const { model } = buildUNet(config);
      // With the text-time embedding, also its pooling's own weight: it must reach the output (through the resnets).
      const pooling = config.additionEmbedType === 'text' ? [POOL_POSITION, weightOf(model, POOL_K)] : [];
      const wrt = [CONTEXT, 'sample', weightOf(model, TO_K), weightOf(model, CONV), ...pooling];
      const results = await gradcheck(model, spec(config, wrt), randomUNetFeeds(config));
      expect(results).toHaveLength(wrt.length * 3);
      for (const r of results) {
        expect(Math.abs(r.analytic), r.name).toBeGreaterThan(1e-4);
        expect(r.relError, `${r.name}: analytic ${r.analytic}, numeric ${r.numeric}`).toBeLessThan(5e-3);
      }
    },
  );

  it.each([14, 17] as const)(
    'fp16 model: fp32 gradient input and output, close to the fp32 twin (opset %i)',
    async (opset) => {
      const fp16 = tinyUNetConfig({ opset, dtype: 'float16' });
      const fp32 = tinyUNetConfig({ opset });
      const built = buildGradientModel(buildUNet(fp16).model, spec(fp16, [CONTEXT]));
      expect(built.model.graph.inputs.find((i) => i.name === CONTEXT)!.dtype).toBe('float32');
      expect(built.model.graph.inputs.find((i) => i.name === 'sample')!.dtype).toBe('float16');
      expect(built.model.graph.outputs.find((o) => o.name === `grad::${CONTEXT}`)!.dtype).toBe('float32');

      // The twin holds the fp16 weights exactly (rounded to half, widened back), so only activation precision differs.
      const twin = buildUNet(fp32).model;
      for (const [name, init] of twin.graph.initializers) {
        if (init.dtype !== 'float32' || !init.data) continue;
        twin.graph.initializers.set(name, {
          ...init,
          data: { ...init.data, data: Float32Array.from(init.data.data as Float32Array, (v) => fromHalf(toHalf(v))) },
        });
      }
      const halfFeeds = randomUNetFeeds(fp16);
      const widen = (t: HostTensor): HostTensor => ({
        dtype: 'float32',
        dims: t.dims,
        data: Float32Array.from(t.data as Uint16Array, fromHalf),
      });
      const context = widen(halfFeeds[CONTEXT]!);
      const half = await contextGradient(buildUNet(fp16).model, fp16, { ...halfFeeds, [CONTEXT]: context });
      const full = await contextGradient(twin, fp32, {
        sample: widen(halfFeeds['sample']!),
        timestep: widen(halfFeeds['timestep']!),
        [CONTEXT]: context,
      });
      // Measured: gradient relative L2 error 8.5e-3 (opset 14) and 8.3e-3 (17), cosine 0.99997; loss 3.2e-4 and
      // 3.6e-4. fp16 rounds each op's result to u = 2⁻¹¹ ≈ 4.9e-4; a few hundred roundings on the forward+backward
      // path accumulate like a random walk to ≈ √300·u ≈ 8.5e-3, as observed (the loss, which sees only the
      // forward and is summed in fp32, stays near u). The bounds leave 3.5× and 8× headroom; a wrong rule gives O(1).
      expect(relL2(half.grad, full.grad)).toBeLessThan(3e-2);
      expect(Math.abs(half.loss - full.loss) / full.loss).toBeLessThan(3e-3);
    },
  );
});

describe('whole-UNet gradients with external weights', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('equal the inline model’s gradients exactly', async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagic-unet-grad-'));
    const config = tinyUNetConfig({ dynamicShapes: true });
    await writeUNetPackage(config, dir, { external: true });
    const model = await readModel(join(dir, 'model.onnx'));
    const weights = [...model.graph.initializers.values()].filter((i) => i.dtype === 'float32' && i.data === undefined);
    expect(weights.length).toBeGreaterThan(100);
    expect(weights.every((i) => i.external?.location === 'weights.pb')).toBe(true);
    const feeds = randomUNetFeeds(config);
    const fromDisk = await contextGradient(model, config, feeds);
    const inline = await contextGradient(buildUNet(config).model, config, feeds);
    expect(fromDisk.loss).toBe(inline.loss);
    expect(fromDisk.grad).toEqual(inline.grad);
  });
});
