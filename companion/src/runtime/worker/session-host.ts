// The main-thread side of the session RPC: a SessionHost owns one worker thread and the sessions in it; a
// RemoteSession is a handle with the model's declared inputs and outputs and an async run(). The main thread
// never calls onnxruntime itself. Feeds may be moved into the worker (zero-copy, the caller's arrays are then
// detached) with `{ transfer: true }`; results are always moved back.
import { Worker } from 'node:worker_threads';
import { ImagicError } from '../../errors.ts';
import { isErrorCode } from '../../../../shared/src/protocol/error-codes.ts';
import type { HostTensor } from '../host-tensor.ts';
import type { Provider, SessionOptions, TensorInfo } from '../ort-session.ts';
import {
  isKeptRef,
  checkFeeds,
  transferable,
  type KeepingResult,
  type KeptRef,
  type RpcMethod,
  type RpcMethods,
  type RpcResponse,
  type SessionSource,
} from './rpc.ts';

const BOOTSTRAP = new URL('./bootstrap.mjs', import.meta.url);

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

export interface RunOptions {
  /** Move the feeds' buffers into the worker instead of copying them; the caller must not use them afterwards. */
  readonly transfer?: boolean;
}

export class RemoteSession {
  constructor(
    private readonly host: SessionHost,
    readonly id: number,
    readonly provider: Provider,
    readonly inputs: readonly TensorInfo[],
    readonly outputs: readonly TensorInfo[],
  ) {}

  input(name: string): TensorInfo | undefined {
    return this.inputs.find((i) => i.name === name);
  }

  async runAsync(
    feeds: Record<string, HostTensor>,
    fetches?: readonly string[],
    options: RunOptions = {},
  ): Promise<Record<string, HostTensor>> {
    checkFeeds(feeds);
    const moved = options.transfer ? transferable(feeds) : { tensors: feeds, transfer: [] };
    return this.host.call(
      'run',
      { session: this.id, feeds: moved.tensors, ...(fetches ? { fetches } : {}) },
      moved.transfer,
    );
  }

  /**
   * A run whose `keep` outputs stay in the worker (on the GPU when the session was opened with them as
   * `deviceOutputs` on WebGPU) as references to feed to a later run; host feeds are moved, not copied. Every output
   * is fetched.
   */
  async runKeepingAsync(feeds: Record<string, HostTensor | KeptRef>, keep: readonly string[]): Promise<KeepingResult> {
    checkFeeds(feeds);
    const host = Object.fromEntries(Object.entries(feeds).filter((e): e is [string, HostTensor] => !isKeptRef(e[1])));
    const moved = transferable(host);
    return this.host.call(
      'runKeeping',
      { session: this.id, feeds: { ...feeds, ...moved.tensors }, keep },
      moved.transfer,
    );
  }

  /** Host tensors kept for this session's runs (moved, not copied), to feed by reference at every run. */
  async uploadAsync(tensors: readonly HostTensor[]): Promise<KeptRef[]> {
    const moved = transferable(Object.fromEntries(tensors.map((t, i) => [String(i), t])));
    return this.host.call(
      'upload',
      { session: this.id, tensors: tensors.map((_, i) => moved.tensors[String(i)]!) },
      moved.transfer,
    );
  }

  /** The kept tensors' values on the host. */
  async downloadAsync(refs: readonly KeptRef[]): Promise<HostTensor[]> {
    return this.host.call('download', { kept: refs.map((r) => r.kept) });
  }

  async freeAsync(refs: readonly KeptRef[]): Promise<void> {
    if (refs.length > 0) await this.host.call('free', { kept: refs.map((r) => r.kept) });
  }

  async releaseAsync(): Promise<void> {
    await this.host.call('release', { session: this.id });
  }
}

export class SessionHost {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited: Error | undefined;

  constructor() {
    this.worker = new Worker(BOOTSTRAP);
    // An idle worker must not keep the process alive; one with calls in flight must (see call()).
    this.worker.unref();
    this.worker.on('message', (response: RpcResponse) => this.settle(response));
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', (code) => this.failAll(new Error(`the session worker exited with code ${code}`)));
  }

  call<M extends RpcMethod>(
    method: M,
    params: RpcMethods[M]['params'],
    transfer: ArrayBuffer[] = [],
  ): Promise<RpcMethods[M]['result']> {
    if (this.exited)
      return Promise.reject(new ImagicError('RUNTIME_FAILED', `the session worker is gone: ${this.exited.message}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, method, params }, transfer);
    });
  }

  async backendsAsync(): Promise<string[]> {
    return this.call('backends', {});
  }

  async openAsync(source: SessionSource, options: SessionOptions): Promise<RemoteSession> {
    const transfer =
      source.kind === 'bytes' &&
      source.bytes.byteOffset === 0 &&
      source.bytes.byteLength === source.bytes.buffer.byteLength &&
      source.bytes.buffer instanceof ArrayBuffer
        ? [source.bytes.buffer]
        : [];
    const created = await this.call('create', { source, options }, transfer);
    return new RemoteSession(this, created.session, created.provider, created.inputs, created.outputs);
  }

  async closeAsync(): Promise<void> {
    this.exited ??= new Error('closed');
    await this.worker.terminate();
  }

  private settle(response: RpcResponse): void {
    const pending = this.pending.get(response.id);
    if (!pending) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.worker.unref();
    if (response.ok) pending.resolve(response.result);
    else {
      const { code, message } = response.error;
      pending.reject(new ImagicError(isErrorCode(code) ? code : 'INTERNAL', message));
    }
  }

  private failAll(err: Error): void {
    this.exited ??= err;
    const error = new ImagicError('RUNTIME_FAILED', `the session worker stopped: ${err.message}`, { cause: err });
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
