import { describe, expect, it } from 'vitest';
import { numel } from '../graph/tensor.ts';
import type { Rng } from '../util/rng.ts';
import { layeredModel, TARGETS, X } from './adapter-test-model.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import type { Feeds } from '../runtime/host-tensor.ts';
import { ADAPTER_SCALE_INPUT, adapterName, initAdapterValues, injectAdapters } from './adapters.ts';
import { gradcheck } from './gradcheck.ts';

function randomAdapterFeeds(
  names: { name: string; dims: readonly number[] }[],
  rng: Rng,
): Record<string, Feeds[string]> {
  const feeds: Record<string, Feeds[string]> = {};
  for (const n of names) feeds[n.name] = { dtype: 'float32', dims: n.dims, data: rng.normalArray(numel(n.dims), 0.3) };
  return feeds;
}

describe('injectAdapters', () => {
  it('adapts exactly the targeted MatMul, Gemm and Conv nodes', () => {
    const { model } = layeredModel();
    const { adapters } = injectAdapters(model, { targets: ['/to_q/'], rank: 2, mode: 'inputs' });
    expect(adapters.map((a) => a.node)).toEqual(['/attn1/to_q/MatMul']);
    const all = injectAdapters(model, { targets: TARGETS, rank: 2, mode: 'inputs' });
    expect(all.adapters.map((a) => [a.kind, a.down.dims, a.up.dims])).toEqual([
      ['locon', [2, 3, 3, 3], [4, 2, 1, 1]],
      ['lora', [4, 2], [2, 5]],
      ['lora', [5, 2], [2, 3]],
    ]);
    expect(all.adapters[1]!.down.name).toBe(adapterName('/attn1/to_q/MatMul', 'down'));
  });

  it('gives adapter gradients that match finite differences (LoRA on MatMul and Gemm, LoCon on Conv)', async () => {
    const { model, rng } = layeredModel();
    const { model: adapted, adapters } = injectAdapters(model, { targets: TARGETS, rank: 2, alpha: 4, mode: 'inputs' });
    const parts = adapters.flatMap((a) => [a.down, a.up]);
    const feeds = {
      ...randomAdapterFeeds(parts, rng),
      sample: { dtype: 'float32' as const, dims: X, data: rng.normalArray(numel(X)) },
    };
    const results = await gradcheck(
      adapted,
      { loss: { type: 'mse', output: 'y' }, wrt: parts.map((p) => p.name) },
      feeds,
    );
    expect(Math.max(...results.map((r) => r.relError))).toBeLessThan(5e-3);
  });

  it('merged mode computes the same function as the adapter inputs', async () => {
    const { model, rng } = layeredModel();
    const spec = { targets: TARGETS, rank: 3, alpha: 2 };
    const train = injectAdapters(model, { ...spec, mode: 'inputs' });
    const values = new Map<string, Float32Array>();
    for (const a of train.adapters)
      for (const p of [a.down, a.up]) values.set(p.name, rng.normalArray(numel(p.dims), 0.3));
    const merged = injectAdapters(model, { ...spec, mode: 'merged', values });
    const sample = { dtype: 'float32' as const, dims: X, data: rng.normalArray(numel(X)) };
    const feeds: Record<string, Feeds[string]> = { sample };
    for (const [name, data] of values)
      feeds[name] = {
        dtype: 'float32',
        dims: train.model.graph.inputs.find((i) => i.name === name)!.dims as number[],
        data,
      };
    const s1 = await OrtSession.create(train.model);
    const s2 = await OrtSession.create(merged.model);
    const y1 = (await s1.run(feeds))['y']!.data as Float32Array;
    const y2 = (await s2.run({ sample }))['y']!.data as Float32Array;
    const base = await OrtSession.create(model);
    const y0 = (await base.run({ sample }))['y']!.data as Float32Array;
    expect(Math.max(...y1.map((v, i) => Math.abs(v - y2[i]!)))).toBeLessThan(1e-4);
    expect(Math.max(...y1.map((v, i) => Math.abs(v - y0[i]!)))).toBeGreaterThan(1e-2);
    expect(merged.model.graph.inputs.map((i) => i.name)).toEqual(['sample']);
  });

  it('scaled mode is the base model at strength 0, the merged one at 1, and the merged one with B·λ at λ', async () => {
    const { model, rng } = layeredModel();
    const spec = { targets: TARGETS, rank: 3, alpha: 2 };
    const { adapters } = injectAdapters(model, { ...spec, mode: 'inputs' });
    const values = new Map<string, Float32Array>();
    for (const a of adapters) for (const p of [a.down, a.up]) values.set(p.name, rng.normalArray(numel(p.dims), 0.3));
    const scaled = injectAdapters(model, { ...spec, mode: 'scaled', values });
    expect(scaled.model.graph.inputs.map((i) => i.name)).toEqual(['sample', ADAPTER_SCALE_INPUT]);
    const sample = { dtype: 'float32' as const, dims: X, data: rng.normalArray(numel(X)) };
    const run = async (m: typeof model, extra: Record<string, Feeds[string]> = {}) =>
      (await (await OrtSession.create(m)).run({ sample, ...extra }))['y']!.data as Float32Array;
    const at = (strength: number) =>
      run(scaled.model, { [ADAPTER_SCALE_INPUT]: { dtype: 'float32', dims: [1], data: Float32Array.of(strength) } });
    const upTimes = (k: number) =>
      new Map([...values].map(([n, v]) => [n, adapters.some((a) => a.up.name === n) ? v.map((x) => x * k) : v]));
    const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    const base = await run(model);
    const merged = await run(injectAdapters(model, { ...spec, mode: 'merged', values }).model);
    const mergedHalf = await run(injectAdapters(model, { ...spec, mode: 'merged', values: upTimes(0.4) }).model);
    expect(maxDiff(await at(0), base)).toBeLessThan(1e-5);
    expect(maxDiff(await at(1), merged)).toBeLessThan(1e-4);
    expect(maxDiff(await at(0.4), mergedHalf)).toBeLessThan(1e-4);
    expect(maxDiff(merged, base)).toBeGreaterThan(1e-2);
    expect(maxDiff(mergedHalf, merged)).toBeGreaterThan(1e-2);
  });

  it('starts at the base model with the standard initialisation (B = 0)', async () => {
    const { model, rng } = layeredModel();
    const { model: adapted, adapters } = injectAdapters(model, { targets: TARGETS, rank: 2, mode: 'inputs' });
    const values = initAdapterValues(adapters, 5);
    const sample = { dtype: 'float32' as const, dims: X, data: rng.normalArray(numel(X)) };
    const feeds: Record<string, Feeds[string]> = { sample };
    for (const a of adapters)
      for (const p of [a.down, a.up]) feeds[p.name] = { dtype: 'float32', dims: p.dims, data: values.get(p.name)! };
    const y = (await (await OrtSession.create(adapted)).run(feeds))['y']!.data as Float32Array;
    const y0 = (await (await OrtSession.create(model)).run({ sample }))['y']!.data as Float32Array;
    expect(Math.max(...y.map((v, i) => Math.abs(v - y0[i]!)))).toBeLessThan(1e-6);
  });

  it('refuses targets that match nothing and bad ranks with coded errors', () => {
    const { model } = layeredModel();
    expect(() => injectAdapters(model, { targets: ['/nothing/'], rank: 2, mode: 'inputs' })).toThrow(
      /no MatMul\/Gemm\/Conv/,
    );
    expect(() => injectAdapters(model, { targets: TARGETS, rank: 0, mode: 'inputs' })).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC' }),
    );
  });
});
