// Constant tensors held in JS: initializers small enough to live inline, folded constants, attribute tensors.
import { dtypes, type DType, type TypedArray } from './dtype.ts';
import { fromHalf, toHalf } from './half.ts';

export interface ConstTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: TypedArray;
}

export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Reads any tensor as plain numbers (int64 beyond 2^53 loses precision; shapes never get there). */
export function toNumbers(t: ConstTensor): number[] {
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i]!;
    out[i] = typeof v === 'bigint' ? Number(v) : t.dtype === 'float16' ? fromHalf(v) : v;
  }
  return out;
}

/** Builds a tensor from numbers; int64 values are clamped to int64's range (Slice ends use ±2^63). */
export function fromNumbers(dtype: DType, dims: readonly number[], values: ArrayLike<number>): ConstTensor {
  const n = numel(dims);
  if (values.length !== n) throw new RangeError(`fromNumbers: ${values.length} values for dims [${dims.join(',')}]`);
  const row = dtypes[dtype];
  const data = new row.array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (data instanceof BigInt64Array) {
      const b = Number.isFinite(v) ? BigInt(Math.trunc(v)) : v > 0 ? INT64_MAX : INT64_MIN;
      data[i] = b > INT64_MAX ? INT64_MAX : b < INT64_MIN ? INT64_MIN : b;
    } else if (dtype === 'float16') {
      data[i] = toHalf(v);
    } else if (dtype === 'bool') {
      data[i] = v ? 1 : 0;
    } else {
      data[i] = v;
    }
  }
  return { dtype, dims: [...dims], data };
}

export const scalarTensor = (dtype: DType, value: number): ConstTensor => fromNumbers(dtype, [], [value]);

export const int64Tensor = (values: readonly number[], dims: readonly number[] = [values.length]): ConstTensor =>
  fromNumbers('int64', dims, values);

/** Little-endian bytes of a tensor, as ONNX raw_data stores them. */
export function tensorBytes(t: ConstTensor): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Copies little-endian raw bytes into an aligned typed array of the dtype. */
export function tensorFromBytes(dtype: DType, dims: readonly number[], bytes: Uint8Array): ConstTensor {
  const row = dtypes[dtype];
  const n = numel(dims);
  if (bytes.byteLength !== n * row.bytes) {
    throw new RangeError(`tensorFromBytes: ${bytes.byteLength} bytes for ${dtype}[${dims.join(',')}]`);
  }
  const copy = new Uint8Array(n * row.bytes);
  copy.set(bytes);
  return { dtype, dims: [...dims], data: new row.array(copy.buffer) };
}
