// Textual Inversion's training graph (Gal et al. 2022, eq. 2: v* = argmin_v E ‖ε − ε_θ(z_t, t, c_θ(y))‖², where the
// prompt y holds the new word S* and v is its row of the token embedding table; text encoder c_θ and UNet frozen):
// the text encoder and the UNet as one graph, input_ids → last_hidden_state → encoder_hidden_states, so that the
// gradient of the denoising loss reaches the new word's vector through both (our autodiff's rules for the encoder's
// attention, LayerNorm and MLP are the UNet's). The new row enters as
//   tokens' = Gather(table, ids) + mask ⊙ v,   mask[t] = 1 where ids[t] is the new word's id, else 0
// over a table whose row for that id is zero: the same lookup as a table with v in that row, but the gradient of v
// is a sum over the word's positions instead of a one-hot product with the whole table (49,408 rows on SD).
import { cloneModel, renameUses } from '../autodiff/gradient-model.ts';
import { fail } from '../errors.ts';
import { dtypes } from '../graph/dtype.ts';
import { GraphEmitter } from '../graph/emitter.ts';
import { opsetOf, type Graph, type Initializer, type Model } from '../graph/ir.ts';
import { normalizeModel } from '../graph/normalize.ts';
import { tensorFromBytes } from '../graph/tensor.ts';
import { tokenGather, withLearnedRows } from '../engine/learned-rows.ts';
import { initializerBytesAsync } from '../onnx/initializer-data.ts';

/** The new word's vector v, [1, 1, d]: the one trained input. */
export const ROW_INPUT = 'learn::row';
/** Where the new word stands in input_ids, [1, T, 1]: 1 at its positions, else 0. */
export const MASK_INPUT = 'learn::mask';

const UNET_EMBEDDING = 'encoder_hidden_states';
const TEXT_PREFIX = 'text/';

export interface EncoderSource {
  /** The package's text encoder as read from its file (not normalised). */
  readonly model: Model;
  readonly idsInput: string;
  readonly output: string;
  /** The rows the model's learned words already add (in id order): the new word's id comes after them. */
  readonly learnedRows: readonly Float32Array[];
}

/**
 * The UNet (normalised at batch 1) with the text encoder in front of it: inputs input_ids [1, T], ROW_INPUT,
 * MASK_INPUT, sample and timestep; output the UNet's. The new word's id is the grown table's last row.
 */
export async function embeddingLearnModel(encoder: EncoderSource, unet: Model, sequenceLength: number): Promise<Model> {
  if (opsetOf(encoder.model) !== opsetOf(unet))
    fail(
      'MODEL_INVALID',
      `the text encoder is opset ${opsetOf(encoder.model)} and the UNet opset ${opsetOf(unet)}; learning a word needs both in one graph: export them with one opset`,
    );
  const width = tokenTableWidth(encoder);
  const grown = await withLearnedRows(encoder.model, [...encoder.learnedRows, new Float32Array(width)]);
  const text = normalizeModel(cloneModel(grown), { inputShapes: { [encoder.idsInput]: [1, sequenceLength] } });
  const g = text.graph;
  const e = new GraphEmitter(g, opsetOf(text), 'learn/');
  const tokens = tokenGather(text, encoder.idsInput).outputs[0]!;
  const dtype = g.types.get(tokens)!.dtype;
  // v and the mask are float32 whatever the table is (Adam keeps v in float32); an fp16 table gets mask ⊙ v cast to
  // fp16, and the gradient comes back through the Cast in float32.
  for (const [name, dims] of [
    [ROW_INPUT, [1, 1, width]],
    [MASK_INPUT, [1, sequenceLength, 1]],
  ] as const) {
    g.inputs.push({ name, dtype: 'float32', dims });
    g.types.set(name, { dtype: 'float32', dims });
  }
  const before = [...g.nodes];
  const placed = e.mul(MASK_INPUT, ROW_INPUT);
  const withRow = e.add(tokens, dtype === 'float32' ? placed : e.cast(placed, dtype));
  renameUses(before, tokens, withRow);
  return joined(text, encoder, unet);
}

const tokenTableWidth = (encoder: EncoderSource): number =>
  encoder.model.graph.initializers.get(tokenGather(encoder.model, encoder.idsInput).inputs[0]!)!.dims[1]!;

/** `unet` with `text`'s nodes in front, its output feeding encoder_hidden_states (cast to the UNet's dtype). */
async function joined(text: Model, encoder: EncoderSource, unet: Model): Promise<Model> {
  const model = cloneModel(unet);
  const graph: Graph = model.graph;
  const target =
    graph.inputs.find((i) => i.name === UNET_EMBEDDING) ?? fail('INTERNAL', 'the UNet has no encoder_hidden_states');
  const own = new Set([encoder.idsInput, ROW_INPUT, MASK_INPUT]);
  const outType =
    text.graph.types.get(encoder.output) ?? fail('INTERNAL', `the text encoder has no '${encoder.output}'`);
  const cast = outType.dtype !== target.dtype;
  const rename = (v: string) =>
    v === '' || own.has(v) ? v : v === encoder.output && !cast ? UNET_EMBEDDING : TEXT_PREFIX + v;
  // Weights in external data live beside the encoder's file, not the UNet's: they come inline (SD's is 0.5 GB).
  for (const init of text.graph.initializers.values()) {
    const data = init.data ?? tensorFromBytes(init.dtype, init.dims, await initializerBytesAsync(text, init));
    const copy: Initializer = { name: rename(init.name), dtype: init.dtype, dims: init.dims, data };
    graph.initializers.set(copy.name, copy);
  }
  for (const [name, type] of text.graph.types) graph.types.set(rename(name), type);
  const nodes = text.graph.nodes.map((n) => ({
    ...n,
    name: TEXT_PREFIX + n.name,
    inputs: n.inputs.map(rename),
    outputs: n.outputs.map(rename),
    attrs: { ...n.attrs },
  }));
  if (cast)
    nodes.push({
      name: `${TEXT_PREFIX}cast`,
      opType: 'Cast',
      domain: '',
      inputs: [rename(encoder.output)],
      outputs: [UNET_EMBEDDING],
      attrs: { to: { type: 'int', value: dtypes[target.dtype].onnx } },
    });
  graph.nodes = [...nodes, ...graph.nodes];
  graph.inputs = [
    ...text.graph.inputs.filter((i) => own.has(i.name)),
    ...graph.inputs.filter((i) => i.name !== UNET_EMBEDDING),
  ];
  graph.types.set(UNET_EMBEDDING, { dtype: target.dtype, dims: target.dims as number[] });
  return model;
}
