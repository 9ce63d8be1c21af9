// Joins a `job.result` message with the binary `result` frames that follow it (one per output, jobId as frame id),
// and its `mask` frame when the message announces one, into one complete result. Frames that arrive before their
// message are held, never dropped.
import type { BinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import type { ImageFormat } from '../../../shared/src/protocol/image-format.ts';
import type { LearnedInfo } from '../../../shared/src/protocol/learn-request.ts';
import type { MessageOf, ServerMessage } from '../../../shared/src/protocol/messages.ts';

export type JobOutputImage = {
  index: number;
  eta: number;
  seed: number;
  width: number;
  height: number;
  format: ImageFormat;
  bytes: Uint8Array;
};
/** The automatic mask a job used: PNG at the layer's size, white where the edit could change it. */
export type JobMaskImage = { width: number; height: number; png: Uint8Array };
export type CompletedResult = {
  jobId: string;
  editId: string;
  outputs: JobOutputImage[];
  mask?: JobMaskImage;
  /** A learn job's word (it has no outputs). */
  learned?: LearnedInfo;
};

type JobResult = MessageOf<ServerMessage, 'job.result'>;
type Waiting = { message: JobResult | null; frames: Map<number, BinaryFrame>; mask: BinaryFrame | null };

/** Bounds memory if a companion sent frames for jobs it never announced. */
const MAX_WAITING_JOBS = 32;

export class ResultCollector {
  private readonly waiting = new Map<string, Waiting>();

  constructor(private readonly onComplete: (result: CompletedResult) => void) {}

  addMessage(message: JobResult): void {
    this.entry(message.jobId).message = message;
    this.tryComplete(message.jobId);
  }

  addFrame(frame: BinaryFrame): void {
    if (frame.kind === 'upload') return;
    const entry = this.entry(frame.id);
    if (frame.kind === 'mask') entry.mask = frame;
    else entry.frames.set(frame.index, frame);
    this.tryComplete(frame.id);
  }

  /** Forgets a job that ended otherwise (error, cancel). */
  drop(jobId: string): void {
    this.waiting.delete(jobId);
  }

  private entry(jobId: string): Waiting {
    let entry = this.waiting.get(jobId);
    if (entry === undefined) {
      entry = { message: null, frames: new Map(), mask: null };
      this.waiting.set(jobId, entry);
      for (const oldest of this.waiting.keys()) {
        if (this.waiting.size <= MAX_WAITING_JOBS) break;
        this.waiting.delete(oldest);
      }
    }
    return entry;
  }

  private tryComplete(jobId: string): void {
    const entry = this.waiting.get(jobId);
    const message = entry?.message;
    if (entry === undefined || message === null || message === undefined) return;
    if (!message.outputs.every((o) => entry.frames.has(o.index))) return;
    if (message.mask !== undefined && entry.mask === null) return;
    this.waiting.delete(jobId);
    const outputs = message.outputs.map((o) => {
      const frame = entry.frames.get(o.index) as BinaryFrame;
      return {
        index: o.index,
        eta: o.eta,
        seed: o.seed,
        width: frame.width,
        height: frame.height,
        format: frame.format,
        bytes: frame.payload.slice(),
      };
    });
    const mask = entry.mask && { width: entry.mask.width, height: entry.mask.height, png: entry.mask.payload.slice() };
    this.onComplete({
      jobId,
      editId: message.editId,
      outputs,
      ...(mask ? { mask } : {}),
      ...(message.learned ? { learned: message.learned } : {}),
    });
  }
}
