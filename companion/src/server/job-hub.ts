// Routes job events to the sockets that asked for them: the one that queued the job, and any that re-attached
// with `job.fetch`. A socket that closes simply stops listening; its jobs run on and their results wait in the
// journal. Result frames are built once per job and sent to every listener.
import { encodeBinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import type { JobProgress } from '../../../shared/src/protocol/job-info.ts';
import type { ServerMessage } from '../../../shared/src/protocol/messages.ts';
import { PROTOCOL_VERSION } from '../../../shared/src/protocol/version.ts';
import { fail } from '../errors.ts';
import type { JobEvents } from '../jobs/job-queue.ts';
import type { JobRecord } from '../jobs/job-record.ts';

export interface JobListener {
  send(message: ServerMessage): void;
  sendFrame(bytes: Uint8Array): void;
}

export type JobHubHooks = {
  /** Told about every job that failed (not cancelled or superseded), e.g. to list it among recent errors. */
  onFailure?(record: JobRecord): void;
};

const v = PROTOCOL_VERSION;

/** The result frames of a finished job, in output order, then its automatic mask's frame when it has one. */
export function resultFrames(record: JobRecord, payloads: readonly Uint8Array[], mask?: Uint8Array): Uint8Array[] {
  const frames = record.outputs.map((output, i) => {
    const frame = encodeBinaryFrame({
      kind: 'result',
      id: record.jobId,
      index: output.index,
      width: output.width,
      height: output.height,
      format: output.format,
      payload: payloads[i]!,
    });
    return frame.ok ? frame.value : fail('INTERNAL', `job ${record.jobId} output ${i}: ${frame.message}`);
  });
  if (record.mask === undefined || mask === undefined) return frames;
  const frame = encodeBinaryFrame({ kind: 'mask', id: record.jobId, index: 0, ...record.mask, payload: mask });
  return [...frames, frame.ok ? frame.value : fail('INTERNAL', `job ${record.jobId} mask: ${frame.message}`)];
}

/** `job.result` for a finished job (its id when it answers a `job.fetch`). */
export function resultMessage(record: JobRecord, id?: string): ServerMessage {
  return {
    v,
    type: 'job.result',
    ...(id === undefined ? {} : { id }),
    jobId: record.jobId,
    editId: record.editId,
    outputs: record.outputs,
    ...(record.cost ? { cost: record.cost } : {}),
    ...(record.mask ? { mask: record.mask } : {}),
    ...(record.learned ? { learned: record.learned } : {}),
  };
}

export class JobHub implements JobEvents {
  private readonly listeners = new Map<string, Set<JobListener>>();

  constructor(private readonly hooks: JobHubHooks = {}) {}

  subscribe(jobId: string, listener: JobListener): void {
    const set = this.listeners.get(jobId) ?? new Set();
    set.add(listener);
    this.listeners.set(jobId, set);
  }

  unsubscribeAll(listener: JobListener): void {
    for (const [jobId, set] of this.listeners) {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(jobId);
    }
  }

  onQueued(record: JobRecord, position: number): void {
    this.broadcast(record.jobId, {
      v,
      type: 'job.queued',
      id: record.requestId,
      jobId: record.jobId,
      editId: record.editId,
      position,
    });
  }

  onProgress(record: JobRecord, progress: JobProgress): void {
    this.broadcast(record.jobId, { v, type: 'job.progress', jobId: record.jobId, ...progress });
  }

  onResult(record: JobRecord, payloads: readonly Uint8Array[], mask?: Uint8Array): void {
    const listeners = this.take(record.jobId);
    if (listeners.length === 0) return;
    const frames = resultFrames(record, payloads, mask);
    for (const listener of listeners) {
      listener.send(resultMessage(record));
      for (const frame of frames) listener.sendFrame(frame);
    }
  }

  onError(record: JobRecord): void {
    const error = record.error ?? { code: 'INTERNAL' as const, message: `job ${record.jobId} failed without a reason` };
    if (error.code !== 'CANCELLED' && error.code !== 'SUPERSEDED') this.hooks.onFailure?.(record);
    for (const listener of this.take(record.jobId))
      listener.send({ v, type: 'job.error', jobId: record.jobId, code: error.code, message: error.message });
  }

  private broadcast(jobId: string, message: ServerMessage): void {
    for (const listener of this.listeners.get(jobId) ?? []) listener.send(message);
  }

  /** The job's listeners, forgotten: a finished job sends nothing more. */
  private take(jobId: string): JobListener[] {
    const set = this.listeners.get(jobId);
    this.listeners.delete(jobId);
    return set ? [...set] : [];
  }
}
