// Learned words in the text encoder (Textual Inversion, Gal et al. 2022 §3: a new word is one new row of the token
// embedding table, the rest of the model unchanged): the table the encoder's input ids index (a Gather over a 2-D
// initializer, reached from the `input_ids` input directly or through a Cast) gains one row per word, in the order
// the tokenizer numbers them (ClipTokenizer.learnedIds: after the vocabulary's last id). Float32 or float16 tables,
// inline or in external data; the other weights keep their external data, read from the model's folder.
import { fail } from '../errors.ts';
import { initializerBytesAsync } from '../onnx/initializer-data.ts';
import type { Initializer, Model, Node } from '../graph/ir.ts';
import { fromHalf, toHalf } from '../graph/half.ts';
import { tensorFromBytes } from '../graph/tensor.ts';

/** The Gather that looks up `idsInput` (directly or through a Cast) in a 2-D initializer: the token embedding table. */
export function tokenGather(model: Model, idsInput = 'input_ids'): Node {
  const { graph } = model;
  const fromIds = new Set([idsInput]);
  for (const node of graph.nodes)
    if (node.opType === 'Cast' && fromIds.has(node.inputs[0]!)) fromIds.add(node.outputs[0]!);
  return (
    graph.nodes.find(
      (n) =>
        n.opType === 'Gather' && fromIds.has(n.inputs[1]!) && graph.initializers.get(n.inputs[0]!)?.dims.length === 2,
    ) ?? fail('MODEL_INVALID', `the text encoder has no token embedding table indexed by '${idsInput}'`)
  );
}

/** The token embedding table's initializer: the data input of the Gather that `input_ids` (or its Cast) indexes. */
export const tokenTable = (model: Model, idsInput = 'input_ids'): Initializer =>
  model.graph.initializers.get(tokenGather(model, idsInput).inputs[0]!)!;

/** `model` with `rows` appended to its token embedding table (the caller's model is not changed). */
export async function withLearnedRows(model: Model, rows: readonly Float32Array[]): Promise<Model> {
  if (rows.length === 0) return model;
  const table = tokenTable(model);
  const [vocabulary, width] = table.dims as [number, number];
  const element = ROW_ELEMENTS[table.dtype as keyof typeof ROW_ELEMENTS];
  if (element === undefined)
    fail(
      'MODEL_INVALID',
      `the text encoder's token table is ${table.dtype}; learned words need a float32 or float16 one`,
    );
  for (const row of rows)
    if (row.length !== width)
      fail(
        'DIMS_MISMATCH',
        `a learned word has ${row.length} values; this text encoder's token table is ${width} wide`,
      );
  const old = await initializerBytesAsync(model, table);
  const bytes = new Uint8Array(old.length + rows.length * width * element.bytes);
  bytes.set(old);
  const view = new DataView(bytes.buffer);
  rows.forEach((row, r) => row.forEach((v, i) => element.write(view, old.length + element.bytes * (r * width + i), v)));
  const dims = [vocabulary + rows.length, width];
  const grown: Initializer = {
    name: table.name,
    dtype: table.dtype,
    dims,
    data: tensorFromBytes(table.dtype, dims, bytes),
  };
  const initializers = new Map(model.graph.initializers);
  initializers.set(table.name, grown);
  const types = new Map(model.graph.types);
  types.set(table.name, { dtype: table.dtype, dims });
  return { ...model, graph: { ...model.graph, initializers, types } };
}

/** How a token table's rows are stored, per dtype: learned words are kept in float32 and written in the table's own. */
const ROW_ELEMENTS = {
  float32: { bytes: 4, write: (v: DataView, at: number, x: number) => v.setFloat32(at, x, true) },
  float16: { bytes: 2, write: (v: DataView, at: number, x: number) => v.setUint16(at, toHalf(x), true) },
} as const;

/** Row `id` of the token table as float32 (a float16 table's widened). */
export async function tableRowAsync(model: Model, table: Initializer, id: number): Promise<Float32Array> {
  const width = table.dims[1]!;
  const element = ROW_ELEMENTS[table.dtype as keyof typeof ROW_ELEMENTS];
  if (element === undefined)
    fail('MODEL_INVALID', `the text encoder's token table is ${table.dtype}; learning needs a float32 or float16 one`);
  const bytes = await initializerBytesAsync(model, table);
  const view = new DataView(bytes.buffer, bytes.byteOffset + id * width * element.bytes, width * element.bytes);
  return Float32Array.from({ length: width }, (_, i) =>
    element.bytes === 4 ? view.getFloat32(4 * i, true) : fromHalf(view.getUint16(2 * i, true)),
  );
}
