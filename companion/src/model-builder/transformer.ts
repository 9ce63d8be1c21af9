// diffusers' Transformer2DModel (SD 1.x: use_linear_projection=False, one BasicTransformerBlock) in export form
// (docs/onnx.md §1.4): GN(eps 1e-6) → Conv1×1 proj_in → Transpose/Reshape to tokens → block → Reshape/Transpose →
// Conv1×1 proj_out → + residual. The block is LayerNorm → attn1 → +, LayerNorm → attn2(context) → +,
// LayerNorm → GEGLU feed-forward → +.
import { floatAttr, intAttr, intsAttr } from '../graph/ir.ts';
import { attention } from './attention.ts';
import { groupNorm, NORM_AFFINE_STD } from './group-norm.ts';
import { conv2d, gelu, linear } from './layers.ts';
import { parameterPath, type DimPart, type ModuleGraph } from './module-graph.ts';

/** nn.LayerNorm's default epsilon; Transformer2DModel's own GroupNorm uses 1e-6. */
const LAYER_NORM_EPS = 1e-5;
const TRANSFORMER_GROUP_NORM_EPS = 1e-6;

/** nn.LayerNorm over the last axis: LayerNormalization from opset 17, torch's decomposition below it. */
export function layerNorm(g: ModuleGraph, scope: string, x: string): string {
  const dims = g.dims(x);
  const width = dims[dims.length - 1]!;
  const gamma = g.weight(parameterPath(scope, 'weight'), [width], { mean: 1, std: NORM_AFFINE_STD });
  const beta = g.weight(parameterPath(scope, 'bias'), [width], { std: NORM_AFFINE_STD });
  if (g.e.opset >= 17) {
    return g.op(scope, 'LayerNormalization', [x, gamma, beta], {
      axis: intAttr(-1),
      epsilon: floatAttr(LAYER_NORM_EPS),
    });
  }
  const mean = (t: string) => g.op(scope, 'ReduceMean', [t], { axes: intsAttr([-1]), keepdims: intAttr(1) });
  const centred = g.op(scope, 'Sub', [x, mean(x)]);
  const variance = mean(g.op(scope, 'Pow', [centred, g.scalar(2)]));
  const std = g.op(scope, 'Sqrt', [g.op(scope, 'Add', [variance, g.scalar(LAYER_NORM_EPS)])]);
  const normed = g.op(scope, 'Div', [centred, std]);
  return g.op(scope, 'Add', [g.op(scope, 'Mul', [normed, gamma]), beta]);
}

/**
 * FeedForward(activation_fn="geglu"): net.0 = GEGLU (proj to 2×4C, chunk(2, -1), hidden · GELU(gate)),
 * net.2 = Linear(4C → C). The chunk is two Slices; with dynamicShapes their bounds come from
 * Shape → Gather → Add → Div → Mul, the pattern onnxruntime's fusion_bias_split_gelu.py matches.
 */
export function feedForward(g: ModuleGraph, scope: string, x: string): string {
  const [batch, seq, channels] = g.dims(x) as [number, number, number];
  const inner = 4 * channels;
  const geglu = `${scope}/net.0`;
  const proj = linear(g, `${geglu}/proj`, x, 2 * inner, true);
  const half = [batch, seq, inner];
  const axes = g.ints([-1]);
  let hidden: string;
  let gate: string;
  if (g.dynamic) {
    const last = g.op(geglu, 'Gather', [g.shape(geglu, proj), g.ints([-1])], { axis: intAttr(0) });
    const split = g.op(geglu, 'Div', [g.op(geglu, 'Add', [last, g.ints([1])]), g.ints([2])]);
    const end = g.op(geglu, 'Mul', [split, g.ints([2])]);
    hidden = g.opWithKnownType(geglu, 'Slice', [proj, g.ints([0]), split, axes], half, g.dtype);
    gate = g.opWithKnownType(geglu, 'Slice', [proj, split, end, axes], half, g.dtype);
  } else {
    hidden = g.op(geglu, 'Slice', [proj, g.ints([0]), g.ints([inner]), axes]);
    gate = g.op(geglu, 'Slice', [proj, g.ints([inner]), g.ints([2 * inner]), axes]);
  }
  const gated = g.op(geglu, 'Mul', [hidden, gelu(g, geglu, gate)]);
  return linear(g, `${scope}/net.2`, gated, channels, true);
}

export function basicTransformerBlock(
  g: ModuleGraph,
  scope: string,
  x: string,
  context: string,
  heads: number,
): string {
  const n1 = layerNorm(g, `${scope}/norm1`, x);
  let h = g.op(scope, 'Add', [attention(g, `${scope}/attn1`, n1, n1, heads), x]);
  h = g.op(scope, 'Add', [attention(g, `${scope}/attn2`, layerNorm(g, `${scope}/norm2`, h), context, heads), h]);
  return g.op(scope, 'Add', [feedForward(g, `${scope}/ff`, layerNorm(g, `${scope}/norm3`, h)), h]);
}

/** Transformer2DModel: [B, C, H, W] → tokens [B, H·W, C] → block → back, with a residual around it all. */
export function transformer2d(
  g: ModuleGraph,
  scope: string,
  x: string,
  context: string,
  o: { heads: number; groups: number },
): string {
  const [batch, channels, height, width] = g.dims(x) as [number, number, number, number];
  // `batch, _, height, width = hidden_states.shape`, read before the norm as diffusers does.
  let dims: { b: DimPart; h: DimPart; w: DimPart } = { b: batch, h: height, w: width };
  if (g.dynamic) {
    const shape = g.shape(scope, x);
    dims = { b: g.dim(scope, shape, 0), h: g.dim(scope, shape, 2), w: g.dim(scope, shape, 3) };
  }
  let h = groupNorm(g, `${scope}/norm`, x, o.groups, TRANSFORMER_GROUP_NORM_EPS);
  h = conv2d(g, `${scope}/proj_in`, h, channels, { kernel: 1 });
  // `inner_dim = hidden_states.shape[1]`, read after proj_in.
  let innerDim: DimPart = channels;
  if (g.dynamic) innerDim = g.dim(scope, g.shape(scope, h), 1);
  h = g.op(scope, 'Transpose', [h], { perm: intsAttr([0, 2, 3, 1]) });
  h = g.reshape(scope, h, [batch, height * width, channels], () =>
    g.shapeVector(scope, [dims.b, g.op(scope, 'Mul', [dims.h as string, dims.w as string]), innerDim]),
  );
  h = basicTransformerBlock(g, `${scope}/transformer_blocks.0`, h, context, o.heads);
  h = g.reshape(scope, h, [batch, height, width, channels], () =>
    g.shapeVector(scope, [dims.b, dims.h, dims.w, innerDim]),
  );
  h = g.op(scope, 'Transpose', [h], { perm: intsAttr([0, 3, 1, 2]) });
  h = conv2d(g, `${scope}/proj_out`, h, channels, { kernel: 1 });
  return g.op(scope, 'Add', [h, x]);
}
