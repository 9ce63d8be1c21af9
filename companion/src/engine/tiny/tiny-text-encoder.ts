// A CLIP-like text tower small enough for tests, in the form a TorchScript export of CLIPTextModel takes at opset 14
// (docs/onnx.md §1.4, "Text encoder"): token embedding (Gather) + position embedding, pre-norm blocks of
// LayerNorm (decomposed) → causal multi-head self-attention → residual, LayerNorm → MLP (quick_gelu) → residual,
// then the final LayerNorm → `last_hidden_state` [1, T, d].
import type { DType } from '../../graph/dtype.ts';
import { intAttr, intsAttr, type Model } from '../../graph/ir.ts';
import { fromNumbers, numel } from '../../graph/tensor.ts';
import { GraphBuilder } from '../../model-builder/graph-builder.ts';
import { Rng } from '../../util/rng.ts';

export interface TinyTextEncoderOptions {
  readonly vocabSize: number;
  readonly sequenceLength: number;
  readonly hidden: number;
  readonly heads: number;
  readonly layers: number;
  readonly inputIds: 'int32' | 'int64';
  readonly dtype: 'float32' | 'float16';
  readonly seed: number;
}

export const TEXT_ENCODER_INPUT = 'input_ids';
export const TEXT_ENCODER_OUTPUT = 'last_hidden_state';

/** CLIP's LayerNorm epsilon and quick_gelu constant (x·σ(1.702x)). */
const LAYER_NORM_EPS = 1e-5;
const QUICK_GELU = 1.702;
/** Added to masked-out attention scores; large enough to vanish after softmax in fp16 too. */
const MASKED = -1e4;

export function buildTinyTextEncoder(o: TinyTextEncoderOptions): Model {
  const b = new GraphBuilder({ opset: 14, name: 'text_encoder' });
  const e = b.e;
  const rng = new Rng(o.seed);
  const T = o.sequenceLength;
  const d = o.hidden;
  const weight = (name: string, dims: number[], std: number, mean = 0) =>
    b.weight(name, fromNumbers(o.dtype, dims, Array.from(rng.normalArray(numel(dims), std), (v) => v + mean)));
  const scalar = (v: number) => e.scalar(v, o.dtype as DType);

  const layerNorm = (scope: string, x: string) => {
    const mean = (t: string) => e.op1('ReduceMean', [t], { axes: intsAttr([-1]), keepdims: intAttr(1) });
    const centred = e.sub(x, mean(x));
    const variance = mean(e.op1('Pow', [centred, scalar(2)]));
    const normed = e.div(centred, e.op1('Sqrt', [e.add(variance, scalar(LAYER_NORM_EPS))]));
    return e.add(e.mul(normed, weight(`${scope}.weight`, [d], 0.05, 1)), weight(`${scope}.bias`, [d], 0.05));
  };
  const linear = (scope: string, x: string, inF: number, outF: number) =>
    e.add(e.matmul(x, weight(`${scope}.weight`, [inF, outF], 1 / Math.sqrt(inF))), weight(`${scope}.bias`, [outF], 0.02));

  const causal = Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? MASKED : 0));
  const mask = b.weight('causal_mask', fromNumbers(o.dtype, [1, 1, T, T], causal));
  const headDim = d / o.heads;
  const selfAttention = (scope: string, x: string) => {
    const heads = (t: string) => e.transpose(e.reshape(t, [1, T, o.heads, headDim]), [0, 2, 1, 3]);
    const q = heads(linear(`${scope}.q_proj`, x, d, d));
    const k = heads(linear(`${scope}.k_proj`, x, d, d));
    const v = heads(linear(`${scope}.v_proj`, x, d, d));
    const scores = e.add(e.mul(e.matmul(q, e.transposeLast2(k)), scalar(headDim ** -0.5)), mask);
    const probs = e.op1('Softmax', [scores], { axis: intAttr(-1) });
    const merged = e.reshape(e.transpose(e.matmul(probs, v), [0, 2, 1, 3]), [1, T, d]);
    return linear(`${scope}.out_proj`, merged, d, d);
  };
  const mlp = (scope: string, x: string) => {
    const h = linear(`${scope}.fc1`, x, d, 4 * d);
    const act = e.mul(h, e.op1('Sigmoid', [e.mul(h, scalar(QUICK_GELU))]));
    return linear(`${scope}.fc2`, act, 4 * d, d);
  };

  const ids = b.input(TEXT_ENCODER_INPUT, o.inputIds, [1, T]);
  const tokens = e.op1('Gather', [weight('embeddings.token_embedding.weight', [o.vocabSize, d], 1), ids], { axis: intAttr(0) });
  let h = e.add(tokens, weight('embeddings.position_embedding.weight', [1, T, d], 0.5));
  for (let l = 0; l < o.layers; l++) {
    const scope = `encoder.layers.${l}`;
    h = e.add(h, selfAttention(`${scope}.self_attn`, layerNorm(`${scope}.layer_norm1`, h)));
    h = e.add(h, mlp(`${scope}.mlp`, layerNorm(`${scope}.layer_norm2`, h)));
  }
  b.output(layerNorm('final_layer_norm', h), TEXT_ENCODER_OUTPUT);
  return b.model;
}
