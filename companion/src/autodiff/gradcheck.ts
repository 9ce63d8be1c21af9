// Numerical check of the autodiff: for random directions v, the central difference
// (L(x + εv) − L(x − εv)) / 2ε must match ⟨∇L, v⟩. Trainable initializers are turned into feeds for the check.
import type { Model } from '../graph/ir.ts';
import { numel } from '../graph/tensor.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import type { Feeds, HostTensor } from '../runtime/host-tensor.ts';
import { buildGradientModel, type GradientSpec } from './gradient-model.ts';
import { Rng } from '../util/rng.ts';

export interface GradcheckResult {
  readonly name: string;
  readonly analytic: number;
  readonly numeric: number;
  readonly relError: number;
}

export interface GradcheckOptions {
  readonly seed?: number;
  readonly directions?: number;
  readonly epsilon?: number;
}

const toF64 = (t: HostTensor): Float64Array => Float64Array.from(t.data as Float32Array);

export async function gradcheck(
  model: Model,
  spec: GradientSpec,
  feeds: Feeds,
  options: GradcheckOptions = {},
): Promise<GradcheckResult[]> {
  const rng = new Rng(options.seed ?? 1);
  const eps = options.epsilon ?? 1e-2;
  const built = buildGradientModel(model, spec);
  const graph = built.model.graph;
  // Initializers we differentiate become inputs, so the check can perturb them.
  const allFeeds: Record<string, HostTensor> = { ...feeds };
  for (const w of spec.wrt) {
    const init = graph.initializers.get(w);
    if (!init?.data) continue;
    graph.initializers.delete(w);
    graph.inputs.push({ name: w, dtype: init.dtype, dims: init.dims });
    allFeeds[w] = { dtype: init.dtype, dims: init.dims, data: init.data.data };
  }
  const outDims = graph.inputs.find((i) => i.name === built.targetInput)!.dims as number[];
  allFeeds[built.targetInput] = { dtype: 'float32', dims: outDims, data: rng.normalArray(numel(outDims)) };
  const session = await OrtSession.create(built.model, { optimization: 'basic' });
  try {
    const base = await session.run(allFeeds);
    const lossAt = async (f: Feeds) => Number((await session.run(f, [built.lossOutput]))[built.lossOutput]!.data[0]);
    const results: GradcheckResult[] = [];
    for (const w of spec.wrt) {
      const x = allFeeds[w]!;
      const g = toF64(base[built.gradOutputs.get(w)!]!);
      const x64 = Float64Array.from(x.data as Float32Array);
      const gradNorm = Math.sqrt(g.reduce((acc, gi) => acc + gi * gi, 0));
      for (let d = 0; d < (options.directions ?? 3); d++) {
        const v = rng.normalArray(g.length);
        let analytic = 0;
        for (let i = 0; i < g.length; i++) analytic += g[i]! * v[i]!;
        const shifted = (step: number) => ({
          ...allFeeds,
          [w]: {
            dtype: 'float32' as const,
            dims: x.dims,
            data: Float32Array.from(x64, (xi, i) => xi + step * eps * v[i]!),
          },
        });
        // Richardson extrapolation of two central differences cancels their O(ε²) truncation error.
        const central = async (h: number) => ((await lossAt(shifted(h))) - (await lossAt(shifted(-h)))) / (2 * h * eps);
        const numeric = (4 * (await central(0.5)) - (await central(1))) / 3;
        // Scale: for v ~ N(0, I), ⟨g, v⟩ ~ N(0, ‖g‖²). Dividing by ‖g‖ too keeps a direction that happens to be
        // nearly orthogonal to g from turning float32 round-off in the loss into a large relative error.
        const relError =
          Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), gradNorm, 1e-12);
        results.push({ name: w, analytic, numeric, relError });
      }
    }
    return results;
  } finally {
    await session.release();
  }
}
