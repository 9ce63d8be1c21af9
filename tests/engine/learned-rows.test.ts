// A learned word in the text encoder (engine/learned-rows.ts) on the tiny package: its token table gains rows, the
// encoder reads a learned word's id as that row, and every other id encodes exactly as before.
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenTable, withLearnedRows } from '../../companion/src/engine/learned-rows.ts';
import { readModel, writeModel } from '../../companion/src/onnx/model-file.ts';
import { tempRoot, tinyPackage } from './support.ts';

let root: Awaited<ReturnType<typeof tempRoot>>;
let encoderPath: string;
beforeAll(async () => {
  root = await tempRoot('learned-rows');
  encoderPath = join((await tinyPackage(root.dir, 'tiny')).dir, 'text_encoder', 'model.onnx');
});
afterAll(async () => root.cleanup());

/** The encoder's output for `ids`, padded with the last id to its input's length, in its input's integer type. */
async function encode(path: string, ids: number[]): Promise<Float32Array> {
  const input = (await readModel(path)).graph.inputs[0]!;
  const length = input.dims[1] as number;
  const padded = [...ids, ...Array<number>(length - ids.length).fill(ids.at(-1)!)];
  const tensor =
    input.dtype === 'int64'
      ? new ort.Tensor('int64', BigInt64Array.from(padded.map(BigInt)), [1, length])
      : new ort.Tensor('int32', Int32Array.from(padded), [1, length]);
  const session = await ort.InferenceSession.create(path);
  try {
    const out = await session.run({ [input.name]: tensor });
    return out[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('withLearnedRows', () => {
  it("appends a row per word to the token table, and the encoder reads a learned word's id as its row", async () => {
    const model = await readModel(encoderPath);
    const [vocabulary, width] = tokenTable(model).dims as [number, number];
    const row = (k: number) => Float32Array.from({ length: width }, (_, i) => Math.sin(k + i));
    const grown = await withLearnedRows(model, [row(1), row(2)]);
    expect(tokenTable(grown).dims).toEqual([vocabulary + 2, width]);
    expect(tokenTable(model).dims).toEqual([vocabulary, width]);
    const patched = join(root.dir, 'tiny', 'text_encoder', 'learned.onnx');
    await writeModel(grown, patched);
    const known = [1, 2, 3];
    // Known ids encode exactly as before; the new ids are rows of their own.
    expect(await encode(patched, known)).toEqual(await encode(encoderPath, known));
    const first = await encode(patched, [1, vocabulary, 3]);
    const second = await encode(patched, [1, vocabulary + 1, 3]);
    expect(first).not.toEqual(second);
    expect(first).not.toEqual(await encode(patched, known));
    await expect(withLearnedRows(model, [new Float32Array(width + 1)])).rejects.toMatchObject({
      code: 'DIMS_MISMATCH',
    });
  });
});
