// The edit operations of the protocol over a paired DaemonClient: upload + edit.start, edit.render, job.cancel,
// edits.list, edit.delete, status; and the job events, with result frames joined to their `job.result`.
import type { EditRequest, OutputFormat, Region, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import type { ErrorCode } from '../../../shared/src/protocol/error-codes.ts';
import type { LearnRequest } from '../../../shared/src/protocol/learn-request.ts';
import type { ClientKind, EditSummary, MessageOf, ServerMessage } from '../../../shared/src/protocol/messages.ts';
import { randomHexId } from '../image/random-id.ts';
import type { StageProgress } from '../state/job-progress.ts';
import { DaemonRequestError, type DaemonClient, type RequestBody } from './daemon-client.ts';
import { ResultCollector, type CompletedResult } from './result-collector.ts';

export type JobEvent =
  | { type: 'progress'; jobId: string; progress: StageProgress }
  | { type: 'result'; result: CompletedResult }
  | { type: 'error'; jobId: string; code: ErrorCode; message: string };

/**
 * The results each host places best: Figma's createImage takes PNG bytes; Photoshop's imaging API writes raw pixels
 * (so its panel needs no PNG decoder). Every request states it (EditRequest.outputFormat).
 */
export const OUTPUT_FORMAT: Readonly<Record<ClientKind, OutputFormat>> = {
  figma: 'png',
  photoshop: 'rgba8',
  dashboard: 'png',
  cli: 'png',
};

export type UploadImage = { format: 'png' | 'rgba8'; bytes: Uint8Array; width: number; height: number };
/** Where an edit may change its layer: the host's mask, or the automatic one grown or shrunk by `growPx`. */
export type PanelRegion = { kind: 'mask'; mask: UploadImage } | { kind: 'auto'; growPx: number };
export type QueuedJob = { jobId: string; editId: string; position: number };
export type StatusResult = MessageOf<ServerMessage, 'status.result'>;

const expectType = <T extends ServerMessage['type']>(reply: ServerMessage, type: T): MessageOf<ServerMessage, T> => {
  if (reply.type !== type)
    throw new DaemonRequestError('MALFORMED_MESSAGE', `expected ${type}, the companion answered ${reply.type}`);
  return reply as MessageOf<ServerMessage, T>;
};

export class EditService {
  private readonly listeners = new Set<(event: JobEvent) => void>();
  private readonly collector = new ResultCollector((result) => this.emit({ type: 'result', result }));

  constructor(
    private readonly client: DaemonClient,
    /** The results this panel's host places best (OUTPUT_FORMAT). */
    private readonly outputFormat: OutputFormat = 'png',
  ) {
    client.onEvent((message) => this.receive(message));
    client.onFrame((frame) => this.collector.addFrame(frame));
  }

  onJobEvent(listener: (event: JobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Uploads the image as a binary frame (and the mask, where the edit may change it, as a mask frame), then asks for
   * the edit that names them.
   */
  async startEditAsync(
    image: UploadImage,
    request: Omit<EditRequest, 'image' | 'outputFormat'>,
    region?: PanelRegion | null,
  ): Promise<QueuedJob> {
    const frameId = this.send('upload', image);
    const body: RequestBody = {
      type: 'edit.start',
      request: {
        ...request,
        image: { frameId, width: image.width, height: image.height },
        outputFormat: this.outputFormat,
        ...this.region(region),
      },
    };
    return this.queued(await this.client.requestAsync(body));
  }

  /** Uploads each layer as a binary frame, then asks for the learn job that names them (the protocol's `learn.start`). */
  async startLearnAsync(images: readonly UploadImage[], request: Omit<LearnRequest, 'images'>): Promise<QueuedJob> {
    const refs = images.map((image) => ({
      frameId: this.send('upload', image),
      width: image.width,
      height: image.height,
    }));
    return this.queued(await this.client.requestAsync({ type: 'learn.start', request: { ...request, images: refs } }));
  }

  /** Re-renders a saved edit; with a region, only inside it (a mask frame goes first). */
  async renderAsync(editId: string, sampling: SamplingSettings, region?: PanelRegion | null): Promise<QueuedJob> {
    return this.queued(
      await this.client.requestAsync({
        type: 'edit.render',
        editId,
        sampling,
        outputFormat: this.outputFormat,
        ...this.region(region),
      }),
    );
  }

  /** The request's `region` field, sending the mask frame it names first. */
  private region(region: PanelRegion | null | undefined): { region?: Region } {
    if (!region) return {};
    if (region.kind === 'auto')
      return { region: { kind: 'auto', ...(region.growPx ? { growPx: region.growPx } : {}) } };
    return { region: { kind: 'mask', frameId: this.send('mask', region.mask) } };
  }

  /** Sends an image as a binary frame of `kind`; returns the frame id a request names it by. */
  private send(kind: 'upload' | 'mask', image: UploadImage): string {
    const id = randomHexId();
    this.client.sendFrame({
      kind,
      id,
      index: 0,
      width: image.width,
      height: image.height,
      format: image.format,
      payload: image.bytes,
    });
    return id;
  }

  /** Cancels a job; one that already ended is fine. */
  async cancelAsync(jobId: string): Promise<void> {
    try {
      await this.client.requestAsync({ type: 'job.cancel', jobId });
    } catch (err) {
      if (!(err instanceof DaemonRequestError && err.code === 'JOB_NOT_FOUND')) throw err;
    }
  }

  /**
   * Re-attaches to a job after a reconnect: a running one keeps sending events to this socket; a finished one's
   * result (and frames) or error comes again and is delivered like a live event.
   */
  async fetchJobAsync(jobId: string): Promise<void> {
    const reply = await this.client.requestAsync({ type: 'job.fetch', jobId });
    if (reply.type === 'job.result' || reply.type === 'job.error') this.receive(reply);
    else expectType(reply, 'job.queued');
  }

  async listEditsAsync(): Promise<EditSummary[]> {
    return expectType(await this.client.requestAsync({ type: 'edits.list' }), 'edits.list.result').edits;
  }

  async deleteEditAsync(editId: string): Promise<void> {
    expectType(await this.client.requestAsync({ type: 'edit.delete', editId }), 'ok');
  }

  async statusAsync(): Promise<StatusResult> {
    return expectType(await this.client.requestAsync({ type: 'status' }), 'status.result');
  }

  private queued(reply: ServerMessage): QueuedJob {
    const { jobId, editId, position } = expectType(reply, 'job.queued');
    return { jobId, editId, position };
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'job.progress': {
        const { jobId, stage, step, total, loss, secondsLeft } = message;
        return this.emit({ type: 'progress', jobId, progress: { stage, step, total, loss, secondsLeft } });
      }
      case 'job.result':
        return this.collector.addMessage(message);
      case 'job.error':
        this.collector.drop(message.jobId);
        return this.emit({ type: 'error', jobId: message.jobId, code: message.code, message: message.message });
      default:
        return;
    }
  }

  private emit(event: JobEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
