import { describe, expect, it } from 'vitest';
import { layeredModel, TARGETS, X } from '../autodiff/adapter-test-model.ts';
import { injectAdapters } from '../autodiff/adapters.ts';
import { numel } from '../graph/tensor.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { foldAdapters } from './subject-unet.ts';

describe('foldAdapters', () => {
  it('computes what the merged adapters compute (LoCon on Conv, LoRA on MatMul and on Gemm with transB)', async () => {
    const { model, rng } = layeredModel();
    const spec = { targets: TARGETS, rank: 3, alpha: 2 };
    const { adapters } = injectAdapters(model, { ...spec, mode: 'inputs' });
    const values = new Map<string, Float32Array>();
    for (const a of adapters) for (const p of [a.down, a.up]) values.set(p.name, rng.normalArray(numel(p.dims), 0.3));
    const merged = injectAdapters(model, { ...spec, mode: 'merged', values }).model;
    const folded = foldAdapters(model, adapters, values);
    const sample = { dtype: 'float32' as const, dims: X, data: rng.normalArray(numel(X)) };
    const run = async (m: typeof model) =>
      (await (await OrtSession.create(m)).run({ sample }))['y']!.data as Float32Array;
    const [y0, yMerged, yFolded] = [await run(model), await run(merged), await run(folded)];
    const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    expect(maxDiff(yFolded, yMerged)).toBeLessThan(1e-4);
    expect(maxDiff(yFolded, y0)).toBeGreaterThan(1e-2);
    // The source model is untouched: the folded weights are new initializers.
    expect(maxDiff(await run(model), y0)).toBe(0);
  });

  it("leaves constant weights an edit's own adapters attach to, on every folded layer", () => {
    const { model, rng } = layeredModel();
    const { adapters } = injectAdapters(model, { targets: TARGETS, rank: 2, mode: 'inputs' });
    const values = new Map(
      adapters.flatMap((a) => [a.down, a.up].map((p) => [p.name, rng.normalArray(numel(p.dims))])),
    );
    const folded = foldAdapters(model, adapters, values);
    const onTop = injectAdapters(folded, { targets: TARGETS, rank: 4, mode: 'inputs' });
    expect(onTop.adapters.map((a) => a.node)).toEqual(adapters.map((a) => a.node));
    // Whereas on the merged model (weights computed in the graph) no layer has a constant weight left.
    const merged = injectAdapters(model, { targets: TARGETS, rank: 2, mode: 'merged', values }).model;
    expect(() => injectAdapters(merged, { targets: TARGETS, rank: 4, mode: 'inputs' })).toThrow(
      /no MatMul\/Gemm\/Conv/,
    );
  });
});
