// diffusers' Attention (attn1: self, attn2: cross) as a torch 1.x export spells it, the pattern onnxruntime's
// fusion_attention_unet.py calls match_qkv_torch1 (docs/onnx.md §1.4):
//   Q = MatMul(x, Wq), K = MatMul(ctx, Wk), V = MatMul(ctx, Wv)           (no biases)
//   head_to_batch_dim: Reshape [B, S, h, d] → Transpose(0,2,1,3) → Reshape [B·h, S, d]; K also Transpose(0,2,1)
//   softmax(Q·Kᵀ · d^-½) · V → batch_to_head_dim (Reshape → Transpose → Reshape) → to_out.0 (MatMul + Add).
import { intAttr, intsAttr } from '../graph/ir.ts';
import { linear } from './layers.ts';
import type { ModuleGraph } from './module-graph.ts';

/** [B, S, h·d] → [B·h, S, d]; with dynamicShapes, `batch_size, seq_len, dim = tensor.shape` is read in-graph. */
export function headToBatch(g: ModuleGraph, scope: string, t: string, heads: number): string {
  const [batch, seq, dim] = g.dims(t) as [number, number, number];
  const head = dim / heads;
  let b = '';
  let s = '';
  let d = '';
  const readShape = () => {
    const shape = g.shape(scope, t);
    [b, s, d] = [0, 1, 2].map((i) => g.dim(scope, shape, i)) as [string, string, string];
  };
  const split = g.reshape(scope, t, [batch, seq, heads, head], () => {
    readShape();
    return g.shapeVector(scope, [b, s, heads, g.dimOp(scope, 'Div', d, heads)]);
  });
  const moved = g.op(scope, 'Transpose', [split], { perm: intsAttr([0, 2, 1, 3]) });
  return g.reshape(scope, moved, [batch * heads, seq, head], () =>
    g.shapeVector(scope, [g.dimOp(scope, 'Mul', b, heads), s, g.dimOp(scope, 'Div', d, heads)]),
  );
}

/** [B·h, S, d] → [B, S, h·d]. */
export function batchToHead(g: ModuleGraph, scope: string, t: string, heads: number): string {
  const [bh, seq, head] = g.dims(t) as [number, number, number];
  const batch = bh / heads;
  let b = '';
  let s = '';
  let d = '';
  const split = g.reshape(scope, t, [batch, heads, seq, head], () => {
    const shape = g.shape(scope, t);
    [b, s, d] = [0, 1, 2].map((i) => g.dim(scope, shape, i)) as [string, string, string];
    return g.shapeVector(scope, [g.dimOp(scope, 'Div', b, heads), heads, s, d]);
  });
  const moved = g.op(scope, 'Transpose', [split], { perm: intsAttr([0, 2, 1, 3]) });
  return g.reshape(scope, moved, [batch, seq, heads * head], () =>
    g.shapeVector(scope, [g.dimOp(scope, 'Div', b, heads), s, g.dimOp(scope, 'Mul', d, heads)]),
  );
}

/** Self-attention when `context` is the input itself, cross-attention on encoder_hidden_states otherwise. */
export function attention(g: ModuleGraph, scope: string, x: string, context: string, heads: number): string {
  const channels = g.dims(x)[2]!;
  const headDim = channels / heads;
  const q = linear(g, `${scope}/to_q`, x, channels, false);
  const k = linear(g, `${scope}/to_k`, context, channels, false);
  const v = linear(g, `${scope}/to_v`, context, channels, false);
  const qh = headToBatch(g, scope, q, heads);
  const kh = headToBatch(g, scope, k, heads);
  const vh = headToBatch(g, scope, v, heads);
  const kt = g.op(scope, 'Transpose', [kh], { perm: intsAttr([0, 2, 1]) });
  const scores = g.op(scope, 'Mul', [g.op(scope, 'MatMul', [qh, kt]), g.scalar(headDim ** -0.5)]);
  const probs = g.op(scope, 'Softmax', [scores], { axis: intAttr(-1) });
  const out = batchToHead(g, scope, g.op(scope, 'MatMul', [probs, vh]), heads);
  return linear(g, `${scope}/to_out.0`, out, channels, true);
}
