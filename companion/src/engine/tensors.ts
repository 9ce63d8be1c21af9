// Feeds typed the way a session declares its inputs, and fp32 views of its outputs. The engine computes in fp32;
// fp16 models get Uint16 half bits (onnxruntime-node's float16 convention), int64 timesteps get BigInt64Array.
import { fromHalf, toHalf } from '../graph/half.ts';
import { numel } from '../graph/tensor.ts';
import { fail } from '../errors.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import type { TensorInfo } from '../runtime/ort-session.ts';

type FloatEncoder = (values: Float32Array, dims: readonly number[]) => HostTensor;

/** One row per float dtype a model may declare. */
const floatEncoders: Readonly<Record<string, FloatEncoder>> = {
  float32: (values, dims) => ({ dtype: 'float32', dims, data: values }),
  float16: (values, dims) => ({ dtype: 'float16', dims, data: Uint16Array.from(values, toHalf) }),
};

/** `values` as the float tensor `info` declares (float32 or float16). */
export function floatFeed(info: TensorInfo, values: Float32Array, dims: readonly number[]): HostTensor {
  const encode =
    floatEncoders[info.dtype] ??
    fail('MODEL_INVALID', `input '${info.name}' is ${info.dtype}; expected float32 or float16`);
  if (values.length !== numel(dims))
    fail('DIMS_MISMATCH', `input '${info.name}': ${values.length} values for dims [${dims.join(', ')}]`);
  return encode(values, dims);
}

/** Integer ids (token ids) as the int32 or int64 tensor `info` declares. */
export function intFeed(info: TensorInfo, values: Int32Array, dims: readonly number[]): HostTensor {
  if (info.dtype === 'int32') return { dtype: 'int32', dims, data: values };
  if (info.dtype === 'int64') return { dtype: 'int64', dims, data: BigInt64Array.from(values, (v) => BigInt(v)) };
  return fail('MODEL_INVALID', `input '${info.name}' is ${info.dtype}; expected int32 or int64`);
}

/**
 * A diffusion timestep as the UNet declares it (docs/onnx.md §1.3): int64 [B] (rounded), float [B], or a float 0-d
 * scalar. Fractional timesteps (Euler's "linspace" spacing) reach float models unchanged.
 */
export function timestepFeed(info: TensorInfo, t: number, batch = 1): HostTensor {
  const dims = info.dims.length === 0 ? [] : [batch];
  const n = numel(dims);
  if (info.dtype === 'int64') return { dtype: 'int64', dims, data: new BigInt64Array(n).fill(BigInt(Math.round(t))) };
  if (info.dtype === 'int32') return { dtype: 'int32', dims, data: new Int32Array(n).fill(Math.round(t)) };
  return floatFeed(info, new Float32Array(n).fill(t), dims);
}

/** A float output as fp32 (a copy only for fp16). */
export function toFloat32(t: HostTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.dtype === 'float16' && t.data instanceof Uint16Array) return Float32Array.from(t.data, fromHalf);
  if (t.data instanceof Float64Array) return Float32Array.from(t.data);
  return fail('MODEL_INVALID', `expected a float output, got ${t.dtype}`);
}

/** The one output named `name`, fp32. */
export function output(results: Record<string, HostTensor>, name: string): Float32Array {
  const t =
    results[name] ??
    fail('INTERNAL', `the session returned no '${name}'; it returned ${Object.keys(results).join(', ')}`);
  return toFloat32(t);
}
