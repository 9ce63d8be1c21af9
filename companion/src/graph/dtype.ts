// ONNX element types the companion handles, in one table: proto enum, byte size, typed-array constructor.
// float16 travels as raw Uint16 bits (onnxruntime-node's convention); int64 as BigInt64Array.

export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

type TypedArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Uint16ArrayConstructor
  | BigInt64ArrayConstructor
  | Int32ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor;

export type TypedArray =
  Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

interface DTypeRow {
  readonly onnx: number;
  readonly bytes: number;
  readonly array: TypedArrayCtor;
  readonly isFloat: boolean;
}

export const dtypes: Readonly<Record<DType, DTypeRow>> = {
  float32: { onnx: 1, bytes: 4, array: Float32Array, isFloat: true },
  uint8: { onnx: 2, bytes: 1, array: Uint8Array, isFloat: false },
  int8: { onnx: 3, bytes: 1, array: Int8Array, isFloat: false },
  int32: { onnx: 6, bytes: 4, array: Int32Array, isFloat: false },
  int64: { onnx: 7, bytes: 8, array: BigInt64Array, isFloat: false },
  bool: { onnx: 9, bytes: 1, array: Uint8Array, isFloat: false },
  float16: { onnx: 10, bytes: 2, array: Uint16Array, isFloat: true },
  float64: { onnx: 11, bytes: 8, array: Float64Array, isFloat: true },
};

const byOnnx = new Map<number, DType>(Object.entries(dtypes).map(([name, row]) => [row.onnx, name as DType]));

export function dtypeFromOnnx(code: number): DType | undefined {
  return byOnnx.get(code);
}

export const isDType = (value: string): value is DType => Object.hasOwn(dtypes, value);
