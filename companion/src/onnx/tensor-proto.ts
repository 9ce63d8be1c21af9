// TensorProto <-> Initializer/ConstTensor. External data stays a reference: its bytes are never read here.
import { create } from '@bufbuild/protobuf';
import { StringStringEntryProtoSchema, TensorProtoSchema, type TensorProto } from 'onnx-buf';
import { dtypeFromOnnx, dtypes, type DType } from '../graph/dtype.ts';
import type { ExternalRef, Initializer } from '../graph/ir.ts';
import { fromNumbers, numel, tensorBytes, tensorFromBytes, type ConstTensor } from '../graph/tensor.ts';
import { fail } from '../errors.ts';

const EXTERNAL = 1;

export function dtypeOfProto(code: number, what: string): DType {
  return dtypeFromOnnx(code) ?? fail('MODEL_INVALID', `${what} has unsupported element type ${code}`);
}

export function tensorFromProto(t: TensorProto): ConstTensor {
  const dtype = dtypeOfProto(t.dataType, `tensor '${t.name}'`);
  const dims = t.dims.map(Number);
  if (t.rawData.byteLength > 0 || numel(dims) === 0) return tensorFromBytes(dtype, dims, t.rawData);
  // Typed fields: ONNX stores float16/int8/uint8/bool/int32 in int32_data, floats in float_data.
  if (dtype === 'int64') return { dtype, dims, data: BigInt64Array.from(t.int64Data) };
  if (dtype === 'float32') return fromNumbers(dtype, dims, t.floatData);
  if (dtype === 'float64') return fromNumbers(dtype, dims, t.doubleData);
  const data = new dtypes[dtype].array(t.int32Data.length);
  (data as Uint16Array).set(t.int32Data);
  return { dtype, dims, data };
}

function externalRefOf(t: TensorProto): ExternalRef {
  const entry = (key: string) => t.externalData.find((e) => e.key === key)?.value;
  const location =
    entry('location') ?? fail('MODEL_INVALID', `initializer '${t.name}' has external data without a location`);
  const offset = Number(entry('offset') ?? 0);
  const length = Number(entry('length') ?? numel(t.dims.map(Number)) * dtypes[dtypeOfProto(t.dataType, t.name)].bytes);
  return { location, offset, length };
}

export function initializerFromProto(t: TensorProto): Initializer {
  const dtype = dtypeOfProto(t.dataType, `initializer '${t.name}'`);
  const dims = t.dims.map(Number);
  if (t.dataLocation === EXTERNAL) return { name: t.name, dtype, dims, external: externalRefOf(t) };
  return { name: t.name, dtype, dims, data: tensorFromProto(t) };
}

export function tensorToProto(name: string, t: ConstTensor): TensorProto {
  return create(TensorProtoSchema, {
    name,
    dataType: dtypes[t.dtype].onnx,
    dims: t.dims.map(BigInt),
    rawData: tensorBytes(t).slice(),
  });
}

export function initializerToProto(init: Initializer): TensorProto {
  if (init.data) return tensorToProto(init.name, init.data);
  const ext = init.external ?? fail('INTERNAL', `initializer '${init.name}' has neither data nor external reference`);
  const kv = (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value });
  return create(TensorProtoSchema, {
    name: init.name,
    dataType: dtypes[init.dtype].onnx,
    dims: init.dims.map(BigInt),
    dataLocation: EXTERNAL,
    externalData: [kv('location', ext.location), kv('offset', String(ext.offset)), kv('length', String(ext.length))],
  });
}
