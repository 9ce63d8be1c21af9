// The engine thread: an ImagicRunner answering the daemon's calls (engine-rpc.ts) one message at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { ImagicError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { RunControl } from '../edit-engine.ts';
import { ImagicRunner } from '../imagic-runner.ts';
import { ownBuffer, type EngineCall, type EngineThreadData, type FromEngine, type ToEngine } from './engine-rpc.ts';

if (!parentPort) throw new Error('engine-worker.ts must run in a worker thread');
const port = parentPort;
const post = (message: FromEngine, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const data = workerData as EngineThreadData;
const logger: Logger = {
  info: (message) => post({ type: 'log', level: 'info', message }),
  warn: (message) => post({ type: 'log', level: 'warn', message }),
};
const runner = new ImagicRunner({
  dataDir: data.dataDir,
  logger,
  ...(data.provider ? { provider: data.provider } : {}),
  onState: (state) => post({ type: 'state', state }),
});
const controllers = new Map<number, AbortController>();

async function runAsync(id: number, call: EngineCall, signal: AbortSignal): Promise<void> {
  const control: RunControl = { signal, onProgress: (progress) => post({ type: 'progress', id, progress }) };
  switch (call.method) {
    case 'startEdit':
    case 'render': {
      const { outputs, cost, mask } =
        call.method === 'startEdit'
          ? await runner.startEditAsync(call.editId, call.request, call.image, control, call.region)
          : await runner.renderAsync(call.editId, call.sampling, control, call.region);
      const moved = outputs.map((o) => ({ ...o, rgba: ownBuffer(o.rgba) }));
      return post(
        { type: 'done', id, outputs: moved, ...(cost ? { cost } : {}), ...(mask ? { mask } : {}) },
        moved.map((o) => o.rgba.buffer),
      );
    }
    case 'learn': {
      const { cost, learned } = await runner.learnAsync(call.request, call.images, control);
      return post({ type: 'done', id, outputs: [], ...(cost ? { cost } : {}), ...(learned ? { learned } : {}) });
    }
    case 'close':
      await runner.closeAsync();
      return post({ type: 'done', id, outputs: [] });
  }
}

port.on('message', (message: ToEngine) => {
  if (message.type === 'abort') {
    controllers.get(message.id)?.abort(new ImagicError(message.code, message.message));
    return;
  }
  const controller = new AbortController();
  controllers.set(message.id, controller);
  runAsync(message.id, message.call, controller.signal)
    .catch((err: unknown) => {
      const reason =
        controller.signal.aborted && controller.signal.reason instanceof ImagicError ? controller.signal.reason : err;
      if (reason instanceof ImagicError)
        return post({ type: 'failed', id: message.id, code: reason.code, message: reason.message });
      const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
      logger.warn(`engine thread: call ${message.call.method} failed: ${text}`);
      post({
        type: 'failed',
        id: message.id,
        code: 'INTERNAL',
        message: reason instanceof Error ? reason.message : String(reason),
      });
    })
    .finally(() => controllers.delete(message.id));
});
