// Reading and writing .onnx files. Only the graph protobuf is read into memory (a few MB even for SD's UNet);
// weights in external data (weights.pb, model.onnx_data) are left where they are and referenced by location.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import type { Model } from '../graph/ir.ts';
import { fail } from '../errors.ts';
import { modelFromProto, modelToProto } from './model-proto.ts';

export async function readModel(path: string): Promise<Model> {
  const file = resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    return fail('FILE_NOT_FOUND', `cannot read model '${path}'`, err);
  }
  return parseModel(bytes, dirname(file), path);
}

export function parseModel(bytes: Uint8Array, baseDir: string, label = 'model'): Model {
  try {
    return modelFromProto(fromBinary(ModelProtoSchema, bytes), baseDir);
  } catch (err) {
    if (err instanceof Error && err.name === 'ImagicError') throw err;
    return fail(
      'MODEL_INVALID',
      `'${label}' is not a valid ONNX model: ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
}

export function serializeModel(model: Model): Uint8Array {
  return toBinary(ModelProtoSchema, modelToProto(model));
}

/** Atomic write (temp file + rename), so a crash never leaves a half-written model. */
export async function writeModel(model: Model, path: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, serializeModel(model));
  await rename(tmp, path);
}
