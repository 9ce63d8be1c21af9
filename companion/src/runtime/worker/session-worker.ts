// The worker side of the session RPC: every onnxruntime session lives here, so the synchronous native run()
// (docs/onnx.md §3.7) never blocks the main thread's event loop. One handler per RPC method.
import { parentPort } from 'node:worker_threads';
import { ImagicError } from '../../errors.ts';
import type { HostTensor } from '../host-tensor.ts';
import { KeptTensor, listedProviders, OrtSession, quietRuntimeLogs } from '../ort-session.ts';
import {
  isKeptRef,
  transferable,
  type KeptRef,
  type RpcMethod,
  type RpcMethods,
  type RpcRequest,
  type RpcResponse,
} from './rpc.ts';

type Reply<M extends RpcMethod> = { result: RpcMethods[M]['result']; transfer?: ArrayBuffer[] };
type Handlers = { [M in RpcMethod]: (params: RpcMethods[M]['params']) => Promise<Reply<M>> };

const port =
  parentPort ??
  (() => {
    throw new Error('session-worker.ts must run in a worker thread (start it through bootstrap.mjs)');
  })();

quietRuntimeLogs();
const sessions = new Map<number, OrtSession>();
let nextSession = 1;
/** Tensors kept between runs (loop-carried state), by id. */
const kept = new Map<number, KeptTensor>();
let nextKept = 1;

function keepTensor(t: KeptTensor): KeptRef {
  const id = nextKept++;
  kept.set(id, t);
  return { kept: id, dtype: t.dtype, dims: [...t.dims], onDevice: t.onDevice };
}

const keptOf = (id: number): KeptTensor =>
  kept.get(id) ??
  (() => {
    throw new ImagicError('INTERNAL', `kept tensor ${id} is not in the worker (freed already?)`);
  })();

const sessionOf = (id: number): OrtSession =>
  sessions.get(id) ??
  (() => {
    throw new ImagicError('INTERNAL', `session ${id} is not open in the worker (released already?)`);
  })();

const handlers: Handlers = {
  backends: async () => ({ result: listedProviders() }),
  create: async ({ source, options }) => {
    const session =
      source.kind === 'file'
        ? await OrtSession.createFromFile(source.path, options)
        : await OrtSession.createFromBytes(source.bytes, source.baseDir, options);
    const id = nextSession++;
    sessions.set(id, session);
    return {
      result: {
        session: id,
        provider: session.provider,
        inputs: session.inputMetadata,
        outputs: session.outputMetadata,
      },
    };
  },
  run: async ({ session, feeds, fetches }) => {
    const { tensors, transfer } = transferable(await sessionOf(session).run(feeds, fetches));
    return { result: tensors, transfer };
  },
  runKeeping: async ({ session, feeds, keep }) => {
    const resolved: Record<string, HostTensor | KeptTensor> = {};
    for (const [name, feed] of Object.entries(feeds)) resolved[name] = isKeptRef(feed) ? keptOf(feed.kept) : feed;
    const { host, kept: outputs, hostBytes } = await sessionOf(session).runKeeping(resolved, undefined, new Set(keep));
    const refs = Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, keepTensor(t)]));
    const { tensors, transfer } = transferable(host);
    return { result: { outputs: tensors, kept: refs, hostBytes }, transfer };
  },
  upload: async ({ session, tensors }) => {
    const provider = sessionOf(session).provider;
    return {
      result: await Promise.all(tensors.map(async (t) => keepTensor(await KeptTensor.uploadAsync(t, provider)))),
    };
  },
  download: async ({ kept: ids }) => {
    const tensors = await Promise.all(ids.map((id) => keptOf(id).downloadAsync()));
    const { tensors: moved, transfer } = transferable(Object.fromEntries(tensors.map((t, i) => [String(i), t])));
    return { result: tensors.map((_, i) => moved[String(i)]!), transfer };
  },
  free: async ({ kept: ids }) => {
    for (const id of ids) {
      kept.get(id)?.dispose();
      kept.delete(id);
    }
    return { result: null };
  },
  release: async ({ session }) => {
    await sessionOf(session).release();
    sessions.delete(session);
    return { result: null };
  },
};

async function dispatch(request: RpcRequest): Promise<void> {
  let response: RpcResponse;
  let transfer: ArrayBuffer[] = [];
  try {
    const handler = handlers[request.method] as (params: unknown) => Promise<Reply<RpcMethod>>;
    const reply = await handler(request.params);
    response = { id: request.id, ok: true, result: reply.result };
    transfer = reply.transfer ?? [];
  } catch (err) {
    const error =
      err instanceof ImagicError
        ? { code: err.code, message: err.message }
        : { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
    response = { id: request.id, ok: false, error };
  }
  port.postMessage(response, transfer);
}

port.on('message', (request: RpcRequest) => void dispatch(request));
