// The timestep path of diffusers' UNet2DConditionModel.forward, in export form (docs/onnx.md §1.4):
//   1. a 0-d timestep gets `timesteps[None]`; every variant is then broadcast with `expand(sample.shape[0])`;
//   2. time_proj = Timesteps(C₀, flip_sin_to_cos=True, downscale_freq_shift=0), i.e. get_timestep_embedding:
//      e = t·exp(−ln(10000)·i/half) for i < half = C₀/2, then [cos e, sin e] (the flip of [sin, cos]);
//   3. `.to(sample.dtype)`, then time_embedding = Linear(C₀, 4C₀) → SiLU → Linear(4C₀, 4C₀).
// The sinusoid is computed in fp32 whatever the model dtype, as diffusers' `.float()` does.
import { intAttr } from '../graph/ir.ts';
import { gemmLinear, silu } from './layers.ts';
import type { ModuleGraph } from './module-graph.ts';

/** get_timestep_embedding's max_period. */
const MAX_PERIOD = 10_000;

export function timestepEmbedding(g: ModuleGraph, timestep: string, sample: string, baseChannels: number): string {
  const batch = g.dims(sample)[0]!;
  let t = g.dims(timestep).length === 0 ? g.op('', 'Unsqueeze', [timestep, g.ints([0])]) : timestep;
  const tType = g.e.type(t).dtype;
  t = g.dynamic
    ? g.opWithKnownType('', 'Expand', [t, g.shapeVector('', [g.dim('', g.shape('', sample), 0)])], [batch], tType)
    : g.op('', 'Expand', [t, g.ints([batch])]);

  const proj = '/time_proj';
  const half = baseChannels / 2;
  const freqs = Array.from({ length: half }, (_, i) => Math.exp((-Math.log(MAX_PERIOD) * i) / half));
  let e = g.op(proj, 'Unsqueeze', [t, g.ints([1])]);
  if (tType !== 'float32') e = g.cast(proj, e, 'float32');
  e = g.op(proj, 'Mul', [e, g.constant([1, half], freqs, 'float32')]);
  const sinCos = g.op(proj, 'Concat', [g.op(proj, 'Sin', [e]), g.op(proj, 'Cos', [e])], { axis: intAttr(-1) });
  const slice = (from: number, to: number) => g.op(proj, 'Slice', [sinCos, g.ints([from]), g.ints([to]), g.ints([1])]);
  let tEmb = g.op(proj, 'Concat', [slice(half, Number.POSITIVE_INFINITY), slice(0, half)], { axis: intAttr(-1) });
  if (g.dtype !== 'float32') tEmb = g.cast('', tEmb, g.dtype);

  const h = silu(g, '/time_embedding/act', gemmLinear(g, '/time_embedding/linear_1', tEmb, 4 * baseChannels));
  return gemmLinear(g, '/time_embedding/linear_2', h, 4 * baseChannels);
}
