// diffusers' TextTimeEmbedding (UNet2DConditionModel with `addition_embed_type="text"`, as unCLIP/Kandinsky use it):
// a pooled summary of encoder_hidden_states added to the time embedding, so the text reaches every resnet as the
// timestep does (a scale and shift of each block's features), not only the cross-attention layers.
//   add_embedding = norm2(proj(pool(norm1(ctx))))          norm1/norm2: LayerNorm; proj: Linear(D, time_dim)
//   pool = AttentionPooling(heads, D) (GLIDE, Nichol et al. 2022): one query, the class token
//          c = mean over tokens of ctx + positional_embedding, attends over [c, ctx] with q/k/v projections (biased);
//          the heads' outputs are concatenated.
// SD 1.x leaves it out (`addition_embed_type: null`). The demo model has it, as a second path from its captions to the
// UNet; its effect on that model was not measured apart from the other changes of the same run (demo-config.ts).
import { intAttr, intsAttr } from '../graph/ir.ts';
import { batchToHead, headToBatch } from './attention.ts';
import { gemmLinear, linear } from './layers.ts';
import { parameterPath, type ModuleGraph } from './module-graph.ts';
import { layerNorm } from './transformer.ts';

const SCOPE = '/add_embedding';

/** AttentionPooling over `ctx` [B, S, D] → [B, D]. */
function attentionPooling(g: ModuleGraph, scope: string, ctx: string, heads: number): string {
  const [batch, , width] = g.dims(ctx) as [number, number, number];
  const position = g.weight(parameterPath(scope, 'positional_embedding'), [1, width], { std: width ** -0.5 });
  const mean = g.op(scope, 'ReduceMean', [ctx], { axes: intsAttr([1]), keepdims: intAttr(1) });
  const classToken = g.op(scope, 'Add', [mean, position]);
  const tokens = g.op(scope, 'Concat', [classToken, ctx], { axis: intAttr(1) });
  const q = headToBatch(g, scope, linear(g, `${scope}/q_proj`, classToken, width, true), heads);
  const k = headToBatch(g, scope, linear(g, `${scope}/k_proj`, tokens, width, true), heads);
  const v = headToBatch(g, scope, linear(g, `${scope}/v_proj`, tokens, width, true), heads);
  const kt = g.op(scope, 'Transpose', [k], { perm: intsAttr([0, 2, 1]) });
  // diffusers scales q and k by d^-¼ each; one d^-½ on the product is the same number.
  const scores = g.op(scope, 'Mul', [g.op(scope, 'MatMul', [q, kt]), g.scalar((width / heads) ** -0.5)]);
  const probs = g.op(scope, 'Softmax', [scores], { axis: intAttr(-1) });
  const pooled = batchToHead(g, scope, g.op(scope, 'MatMul', [probs, v]), heads);
  return g.reshape(scope, pooled, [batch, width], () =>
    g.shapeVector(scope, [g.dim(scope, g.shape(scope, pooled), 0), width]),
  );
}

/** The text's contribution to the time embedding: [B, S, D] → [B, timeDim]. */
export function textTimeEmbedding(g: ModuleGraph, ctx: string, timeDim: number, heads: number): string {
  const pooled = attentionPooling(g, `${SCOPE}/pool`, layerNorm(g, `${SCOPE}/norm1`, ctx), heads);
  return layerNorm(g, `${SCOPE}/norm2`, gemmLinear(g, `${SCOPE}/proj`, pooled, timeDim));
}
