// The demo's text encoder: CLIPTextModel cut down to what a three-slot grammar needs (token and position
// embeddings, `layers` pre-norm transformer layers with causal self-attention and a quick-GELU MLP, the final
// LayerNorm), in the I/O form of an SD package's text_encoder/model.onnx: input_ids int64 [B, T] →
// last_hidden_state [B, T, d]. Weights carry transformers' CLIP parameter names. The same builder emits the
// packaged graph (B = 1) and the text half of the training graph (train-graph.ts), so one weight map serves both.
import { GraphEmitter } from '../graph/emitter.ts';
import { intAttr, intsAttr, type Graph } from '../graph/ir.ts';
import { fromNumbers, numel } from '../graph/tensor.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import type { Model } from '../graph/ir.ts';
import { Rng } from '../util/rng.ts';
import type { TextEncoderConfig } from './demo-config.ts';

export const TEXT_INPUT = 'input_ids';
export const TEXT_OUTPUT = 'last_hidden_state';

/** CLIP's LayerNorm epsilon and quick_gelu constant (x·σ(1.702x)). */
const LAYER_NORM_EPS = 1e-5;
const QUICK_GELU = 1.702;
/** Added to masked-out attention scores. */
const MASKED = -1e4;
/** Spread of the initial embeddings; every other weight starts at N(0, 1/fan_in). */
const EMBEDDING_STD = 0.5;

/** Emits the encoder into `graph`, reading `ids` [batch, T]; returns the [batch, T, d] output value. */
export function emitTextEncoder(
  graph: Graph,
  e: GraphEmitter,
  ids: string,
  c: TextEncoderConfig,
  vocabSize: number,
): string {
  const rng = new Rng(c.seed);
  const T = c.sequenceLength;
  const d = c.hidden;
  const batch = e.dims(ids)[0]!;
  const weight = (name: string, dims: number[], std: number, mean = 0) => {
    const values = Array.from(rng.normalArray(numel(dims), std), (v) => v + mean);
    graph.initializers.set(name, { name, dtype: 'float32', dims, data: fromNumbers('float32', dims, values) });
    graph.types.set(name, { dtype: 'float32', dims });
    return name;
  };
  const scalar = (v: number) => e.scalar(v, 'float32');
  const layerNorm = (scope: string, x: string) => {
    const mean = (t: string) => e.op1('ReduceMean', [t], { axes: intsAttr([-1]), keepdims: intAttr(1) });
    const centred = e.sub(x, mean(x));
    const variance = mean(e.mul(centred, centred));
    const normed = e.div(centred, e.op1('Sqrt', [e.add(variance, scalar(LAYER_NORM_EPS))]));
    return e.add(e.mul(normed, weight(`${scope}.weight`, [d], 0, 1)), weight(`${scope}.bias`, [d], 0));
  };
  const linear = (scope: string, x: string, inF: number, outF: number) =>
    e.add(e.matmul(x, weight(`${scope}.weight`, [inF, outF], 1 / Math.sqrt(inF))), weight(`${scope}.bias`, [outF], 0));

  const causal = e.constant(
    fromNumbers(
      'float32',
      [1, 1, T, T],
      Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? MASKED : 0)),
    ),
    'causal_mask',
  );
  const headDim = d / c.heads;
  const selfAttention = (scope: string, x: string) => {
    const heads = (t: string) => e.transpose(e.reshape(t, [batch, T, c.heads, headDim]), [0, 2, 1, 3]);
    const q = heads(linear(`${scope}.q_proj`, x, d, d));
    const k = heads(linear(`${scope}.k_proj`, x, d, d));
    const v = heads(linear(`${scope}.v_proj`, x, d, d));
    const scores = e.add(e.mul(e.matmul(q, e.transposeLast2(k)), scalar(headDim ** -0.5)), causal);
    const probs = e.op1('Softmax', [scores], { axis: intAttr(-1) });
    return linear(`${scope}.out_proj`, e.reshape(e.transpose(e.matmul(probs, v), [0, 2, 1, 3]), [batch, T, d]), d, d);
  };
  const mlp = (scope: string, x: string) => {
    const h = linear(`${scope}.fc1`, x, d, 4 * d);
    return linear(`${scope}.fc2`, e.mul(h, e.op1('Sigmoid', [e.mul(h, scalar(QUICK_GELU))])), 4 * d, d);
  };

  const root = 'text_model';
  const tokens = e.op1(
    'Gather',
    [weight(`${root}.embeddings.token_embedding.weight`, [vocabSize, d], EMBEDDING_STD), ids],
    { axis: intAttr(0) },
  );
  let h = e.add(tokens, weight(`${root}.embeddings.position_embedding.weight`, [1, T, d], EMBEDDING_STD));
  for (let l = 0; l < c.layers; l++) {
    const scope = `${root}.encoder.layers.${l}`;
    h = e.add(h, selfAttention(`${scope}.self_attn`, layerNorm(`${scope}.layer_norm1`, h)));
    h = e.add(h, mlp(`${scope}.mlp`, layerNorm(`${scope}.layer_norm2`, h)));
  }
  return layerNorm(`${root}.final_layer_norm`, h);
}

/** Names of the encoder's trainable tensors (every initializer it creates except constants). */
export const isTextParameter = (name: string): boolean => name.startsWith('text_model.');

/** The packaged encoder: batch 1, int64 ids, seeded weights (replace them with trained ones by name). */
export function buildTextEncoder(c: TextEncoderConfig, vocabSize: number, batch = 1): Model {
  const b = new GraphBuilder({ opset: 14, name: 'text_encoder' });
  const ids = b.input(TEXT_INPUT, 'int64', [batch, c.sequenceLength]);
  b.output(emitTextEncoder(b.graph, b.e, ids, c, vocabSize), TEXT_OUTPUT);
  return b.model;
}
