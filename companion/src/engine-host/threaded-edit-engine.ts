// The EditEngine the daemon uses: runs happen in a dedicated engine thread (thread/), so the engine's
// JavaScript work (building gradient graphs, Adam steps, resizing) never blocks the daemon's event loop; saved
// edits are read here; `status` answers from the state the thread last reported, never waiting on a busy thread.
// If the thread dies, its calls fail with RUNTIME_FAILED and the next call starts a new one.
import { Worker } from 'node:worker_threads';
import type { EditRequest, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import type { LearnRequest } from '../../../shared/src/protocol/learn-request.ts';
import { isErrorCode } from '../../../shared/src/protocol/error-codes.ts';
import type { EditSummary } from '../../../shared/src/protocol/messages.ts';
import type { ProviderSetting } from '../runtime/worker/provider-choice.ts';
import { ImagicError } from '../errors.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import type { RegionRequest } from '../engine/edit-run.ts';
import type { Logger } from '../log.ts';
import type { EditEngine, EditImage, EditResults, EngineStatus, RunControl, RunResult } from './edit-engine.ts';
import { engineStatusAsync, IDLE_RUNNER, type RunnerState } from './engine-status.ts';
import {
  ownBuffer,
  type EngineCall,
  type EngineThreadData,
  type FromEngine,
  type ToEngine,
} from './thread/engine-rpc.ts';
import { SavedEdits } from './saved-edits.ts';

const BOOTSTRAP = new URL('./thread/bootstrap.mjs', import.meta.url);

export type ThreadedEditEngineOptions = { dataDir: string; logger: Logger; provider?: ProviderSetting };

type Pending = {
  resolve: (result: RunResult) => void;
  reject: (err: unknown) => void;
  onProgress?: RunControl['onProgress'];
};

export class ThreadedEditEngine implements EditEngine {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private state: RunnerState = IDLE_RUNNER;
  private readonly edits: SavedEdits;

  constructor(private readonly options: ThreadedEditEngineOptions) {
    this.edits = new SavedEdits(options.dataDir);
  }

  status(): Promise<EngineStatus> {
    return engineStatusAsync(this.options.dataDir, this.state);
  }

  startEditAsync(
    editId: string,
    request: EditRequest,
    image: RgbaImage,
    control: RunControl,
    region?: RegionRequest,
  ): Promise<RunResult> {
    const rgba = ownBuffer(image.rgba);
    return this.callAsync(
      {
        method: 'startEdit',
        editId,
        request,
        image: { width: image.width, height: image.height, rgba },
        ...(region ? { region } : {}),
      },
      control,
      [rgba.buffer],
    );
  }

  renderAsync(
    editId: string,
    sampling: SamplingSettings,
    control: RunControl,
    region?: RegionRequest,
  ): Promise<RunResult> {
    return this.callAsync({ method: 'render', editId, sampling, ...(region ? { region } : {}) }, control);
  }

  learnAsync(request: LearnRequest, images: readonly RgbaImage[], control: RunControl): Promise<RunResult> {
    const moved = images.map((image) => ({ width: image.width, height: image.height, rgba: ownBuffer(image.rgba) }));
    return this.callAsync(
      { method: 'learn', request, images: moved },
      control,
      moved.map((image) => image.rgba.buffer),
    );
  }

  listEditsAsync(): Promise<EditSummary[]> {
    return this.edits.listAsync();
  }

  hasEditAsync(editId: string): Promise<boolean> {
    return this.edits.hasAsync(editId);
  }

  deleteEditAsync(editId: string): Promise<void> {
    return this.edits.deleteAsync(editId);
  }

  editThumbnailAsync(editId: string, maxSidePx: number, which: EditImage = 'input'): Promise<Uint8Array> {
    return this.edits.thumbnailAsync(editId, maxSidePx, which);
  }

  editResultsAsync(editId: string): Promise<EditResults> {
    return this.edits.resultsAsync(editId);
  }

  /** Closes the engine's sessions, then the thread. */
  async closeAsync(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await this.callAsync({ method: 'close' }).catch((err: unknown) =>
      this.options.logger.warn(`engine thread close: ${String(err)}`),
    );
    this.worker = undefined;
    await worker.terminate();
  }

  private callAsync(call: EngineCall, control?: RunControl, transfer: ArrayBuffer[] = []): Promise<RunResult> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<RunResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(control ? { onProgress: control.onProgress } : {}) });
      const signal = control?.signal;
      const onAbort = () => {
        const reason =
          signal?.reason instanceof ImagicError ? signal.reason : new ImagicError('CANCELLED', 'cancelled');
        this.post({ type: 'abort', id, code: reason.code, message: reason.message });
      };
      worker.ref();
      worker.postMessage({ type: 'call', id, call } satisfies ToEngine, transfer);
      // After the call: the thread drops an abort for a call it has not seen (a cancel sent right after the job
      // started used to be acknowledged and ignored, and the job ran all its steps).
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private post(message: ToEngine): void {
    this.worker?.postMessage(message);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const data: EngineThreadData = {
      dataDir: this.options.dataDir,
      ...(this.options.provider ? { provider: this.options.provider } : {}),
    };
    const worker = new Worker(BOOTSTRAP, { workerData: data });
    worker.unref();
    worker.on('message', (message: FromEngine) => this.receive(message));
    worker.on('error', (err) => this.failAll(worker, err));
    worker.on('exit', (code) => this.failAll(worker, new Error(`the engine thread exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private receive(message: FromEngine): void {
    switch (message.type) {
      case 'state':
        this.state = message.state;
        return;
      case 'log':
        return message.level === 'warn'
          ? this.options.logger.warn(message.message)
          : this.options.logger.info(message.message);
      case 'progress':
        return this.pending.get(message.id)?.onProgress?.(message.progress);
      case 'done':
      case 'failed': {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (this.pending.size === 0) this.worker?.unref();
        if (!pending) return;
        if (message.type === 'done')
          return pending.resolve({
            outputs: message.outputs,
            ...(message.cost ? { cost: message.cost } : {}),
            ...(message.mask ? { mask: message.mask } : {}),
            ...(message.learned ? { learned: message.learned } : {}),
          });
        pending.reject(new ImagicError(isErrorCode(message.code) ? message.code : 'INTERNAL', message.message));
      }
    }
  }

  private failAll(worker: Worker, err: Error): void {
    if (this.worker === worker) this.worker = undefined;
    this.state = IDLE_RUNNER;
    if (this.pending.size > 0) this.options.logger.warn(`the engine thread stopped: ${err.message}`);
    for (const pending of this.pending.values())
      pending.reject(new ImagicError('RUNTIME_FAILED', `the engine thread stopped: ${err.message}`));
    this.pending.clear();
  }
}
