import { describe, expect, it } from 'vitest';
import { buildUNet } from '../model-builder/unet.ts';
import { tinyUNetConfig, unetInputShapes } from '../model-builder/unet-config.ts';
import { indexGraph, type Model } from '../graph/ir.ts';
import { numel } from '../graph/tensor.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import { Rng } from '../util/rng.ts';
import { buildGradientModel, gradOutputName } from './gradient-model.ts';

const config = tinyUNetConfig();
const unet = buildUNet(config).model;
const wrt = ['encoder_hidden_states'];
const build = (recomputeBytes: number) =>
  buildGradientModel(unet, {
    loss: { type: 'mse', output: 'out_sample' },
    wrt,
    inputShapes: unetInputShapes(config),
    recomputeBytes,
  }).model;

async function gradient(model: Model): Promise<Float32Array> {
  const rng = new Rng(5);
  const feeds: Record<string, HostTensor> = {};
  for (const input of model.graph.inputs) {
    const dims = input.dims as number[];
    feeds[input.name] =
      input.dtype === 'int64'
        ? { dtype: 'int64', dims, data: BigInt64Array.from({ length: numel(dims) }, () => 400n) }
        : { dtype: 'float32', dims, data: rng.normalArray(numel(dims)) };
  }
  const session = await OrtSession.create(model);
  const out = (await session.run(feeds))[gradOutputName(wrt[0]!)]!.data as Float32Array;
  await session.release();
  return out;
}

describe('recomputing attention probabilities in the backward', () => {
  it('frees the self-attention maps after the forward, and gives the same gradient', async () => {
    const kept = build(Number.POSITIVE_INFINITY);
    const recomputed = build(0);
    const softmaxOf = (m: Model) => m.graph.nodes.filter((n) => n.opType === 'Softmax' && !n.name.startsWith('grad/'));
    const forwardSoftmax = softmaxOf(recomputed);
    expect(forwardSoftmax.length).toBe(softmaxOf(kept).length);
    // Kept: the backward reads P. Recomputed: only the forward's P·V does; the backward has its own softmaxes.
    const readers = (m: Model, v: string) =>
      (indexGraph(m.graph).consumers.get(v) ?? []).map((n) => n.name.startsWith('grad/'));
    expect(softmaxOf(kept).some((n) => readers(kept, n.outputs[0]!).includes(true))).toBe(true);
    // Maps at least 4× their Q (self-attention at 8×8 latents: [heads, 64, 64]) are recomputed; the others (cross-
    // attention over 8 tokens, the mid block's 4×4) are kept.
    const size = (v: string) => numel(recomputed.graph.types.get(v)!.dims);
    const { producer } = indexGraph(recomputed.graph);
    const large = (n: (typeof forwardSoftmax)[number]) =>
      size(n.outputs[0]!) >= 4 * size(producer.get(producer.get(n.inputs[0]!)!.inputs[0]!)!.inputs[0]!);
    expect(forwardSoftmax.filter(large).map((n) => n.name.includes('/attn1/'))).toEqual([true, true, true]);
    for (const n of forwardSoftmax) expect(readers(recomputed, n.outputs[0]!).includes(true)).toBe(!large(n));
    expect(
      recomputed.graph.nodes.filter((n) => n.opType === 'Softmax' && n.name.startsWith('grad/')).length,
    ).toBeGreaterThan(0);

    const [a, b] = await Promise.all([gradient(kept), gradient(recomputed)]);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
      scale = Math.max(scale, Math.abs(a[i]!));
    }
    expect(scale).toBeGreaterThan(0);
    expect(diff / scale).toBeLessThan(1e-5);
  });
});
