// The typed RPC between the engine (main thread) and its session worker: one row per method, each with its
// params and result. Requests and responses are correlated by id; errors travel as {code, message} and are
// rethrown as ImagicError on the calling side, so a coded failure inside the worker keeps its code.
import { fail } from '../../errors.ts';
import type { HostTensor } from '../host-tensor.ts';
import type { Provider, SessionOptions, TensorInfo } from '../ort-session.ts';

export type SessionSource =
  | { readonly kind: 'file'; readonly path: string }
  /** A serialised model; `baseDir` is the folder its external-data locations resolve against. */
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly baseDir?: string };

export interface CreatedSession {
  readonly session: number;
  readonly provider: Provider;
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
}

/** A tensor kept in the worker (on the device where the provider allows) by `runKeeping`, fed back by reference. */
export interface KeptRef {
  readonly kept: number;
  readonly dtype: string;
  readonly dims: readonly number[];
  /** On the GPU (not in host memory). */
  readonly onDevice: boolean;
}

export const isKeptRef = (value: HostTensor | KeptRef): value is KeptRef => 'kept' in value;

export interface KeepingResult {
  /** Outputs not kept, on the host. */
  readonly outputs: Record<string, HostTensor>;
  readonly kept: Record<string, KeptRef>;
  /** Bytes of host feeds plus host outputs: the run's host↔device traffic on a GPU provider. */
  readonly hostBytes: number;
}

export interface RpcMethods {
  /** Provider names this onnxruntime-node build lists (listSupportedBackends). */
  backends: { params: Record<string, never>; result: string[] };
  create: { params: { source: SessionSource; options: SessionOptions }; result: CreatedSession };
  run: {
    params: { session: number; feeds: Record<string, HostTensor>; fetches?: readonly string[] };
    result: Record<string, HostTensor>;
  };
  /** A run whose `keep` outputs stay in the worker; feeds may name kept tensors. */
  runKeeping: {
    params: { session: number; feeds: Record<string, HostTensor | KeptRef>; keep: readonly string[] };
    result: KeepingResult;
  };
  /** Host tensors kept for a session's runs (in GPU buffers for WebGPU), fed by reference at every run. */
  upload: { params: { session: number; tensors: readonly HostTensor[] }; result: KeptRef[] };
  /** Kept tensors' values on the host (a GPU buffer is copied down). */
  download: { params: { kept: readonly number[] }; result: HostTensor[] };
  /** Releases kept tensors (their GPU buffers too). */
  free: { params: { kept: readonly number[] }; result: null };
  release: { params: { session: number }; result: null };
}

export type RpcMethod = keyof RpcMethods;

export type RpcRequest = {
  [M in RpcMethod]: { readonly id: number; readonly method: M; readonly params: RpcMethods[M]['params'] };
}[RpcMethod];

export interface WireError {
  readonly code: string;
  readonly message: string;
}

export type RpcResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/**
 * The buffers of `tensors` to move rather than copy. A typed array that views part of a larger buffer is first
 * copied into its own (moving the whole buffer would detach the rest of it).
 */
/**
 * Refuses a host tensor whose values do not fill its dims, before it crosses to the worker: most often a feed whose
 * buffer an earlier run already moved there (detached, 0 values). The worker would otherwise get an empty tensor, and
 * the call never comes back.
 */
export function checkFeeds(tensors: Readonly<Record<string, HostTensor | KeptRef>>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (isKeptRef(t)) continue;
    const want = t.dims.reduce((a, b) => a * b, 1);
    if (t.data.length !== want)
      fail(
        'INTERNAL',
        `feed '${name}' has ${t.data.length} values for dims [${t.dims.join(', ')}]${t.data.length === 0 ? ': its buffer was moved to the session thread by an earlier run; feed a copy per run' : ''}`,
      );
  }
}

export function transferable(tensors: Record<string, HostTensor>): {
  tensors: Record<string, HostTensor>;
  transfer: ArrayBuffer[];
} {
  const out: Record<string, HostTensor> = {};
  const transfer: ArrayBuffer[] = [];
  const seen = new Set<ArrayBufferLike>();
  for (const [name, t] of Object.entries(tensors)) {
    let data = t.data;
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    if (!whole || seen.has(data.buffer) || !(data.buffer instanceof ArrayBuffer)) data = data.slice();
    seen.add(data.buffer);
    transfer.push(data.buffer as ArrayBuffer);
    out[name] = { dtype: t.dtype, dims: t.dims, data };
  }
  return { tensors: out, transfer };
}
