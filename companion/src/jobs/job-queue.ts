// The GPU job queue: one job runs at a time, the rest wait in order and learn their position whenever it changes.
// A re-render queued for an edit replaces an older one for the same edit that has not started yet (latest wins:
// a user dragging the η slider wants the last value, not every value); the replaced job fails with SUPERSEDED.
// Cancelling a queued job removes it; cancelling the running one aborts its AbortSignal, which the engine checks
// between steps. Pausing holds the queue; the running job finishes. Every state change is saved to the store
// (the job journal) before anyone is told about it.
import { ImagicError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { EditRequest, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import type { RegionRequest } from '../engine/edit-run.ts';
import type { ErrorCode } from '../../../shared/src/protocol/error-codes.ts';
import type { ClientKind } from '../../../shared/src/protocol/fields.ts';
import type { JobCost, JobProgress, MaskInfo, OutputInfo } from '../../../shared/src/protocol/job-info.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import type { LearnedInfo, LearnRequest } from '../../../shared/src/protocol/learn-request.ts';
import type { EngineProgress, RunControl } from '../engine-host/edit-engine.ts';
import { isFinished, JOB_RECORD_VERSION, type JobRecord, type ResultFormat } from './job-record.ts';

/** `region`: the request's region with its mask frame decoded (checked at admission, server/handlers/edits.ts). */
export type JobSpec =
  | { kind: 'edit'; request: EditRequest; image: RgbaImage; region?: RegionRequest }
  | { kind: 'render'; sampling: SamplingSettings; region?: RegionRequest }
  | { kind: 'learn'; request: LearnRequest; images: RgbaImage[] };

export type NewJob = {
  jobId: string;
  editId: string;
  spec: JobSpec;
  client: ClientKind;
  requestId: string;
  prompt: string | null;
  resultFormat: ResultFormat;
  /** Time already spent on the job before it was queued (decoding the upload). */
  timingMs?: Record<string, number>;
};

export type ActiveJob = {
  record: JobRecord;
  readonly spec: JobSpec;
  readonly controller: AbortController;
  position: number;
  progress?: JobProgress;
};

/** What running a job produced; the executor has written the payloads to disk already. */
export type JobOutcome = {
  outputs: OutputInfo[];
  payloads: Uint8Array[];
  timingMs: Record<string, number>;
  cost?: JobCost;
  /** The automatic mask the job used, written beside its results. */
  mask?: { info: MaskInfo; payload: Uint8Array };
  /** What a learn job taught the model (it has no outputs). */
  learned?: LearnedInfo;
};

export type JobExecutor = (job: ActiveJob, control: RunControl) => Promise<JobOutcome>;

export interface JobEvents {
  onQueued(record: JobRecord, position: number): void;
  onProgress(record: JobRecord, progress: JobProgress): void;
  onResult(record: JobRecord, payloads: readonly Uint8Array[], mask?: Uint8Array): void;
  /** The record carries the error. */
  onError(record: JobRecord): void;
}

export interface JobStore {
  saveAsync(record: JobRecord): Promise<void>;
  pruneAsync(): Promise<number>;
}

export type JobQueueOptions = {
  execute: JobExecutor;
  store: JobStore;
  events: JobEvents;
  capacity: number;
  logger: Logger;
  /** How long closeAsync waits for the running job to stop. */
  closeGraceMs?: number;
};

export class JobQueue {
  private readonly waiting: ActiveJob[] = [];
  private running: ActiveJob | undefined;
  private runningDone: Promise<void> = Promise.resolve();
  private readonly saving = new Map<string, Promise<void>>();
  private paused = false;
  private closed = false;
  private scheduled = false;

  constructor(private readonly options: JobQueueOptions) {
    if (!(Number.isInteger(options.capacity) && options.capacity >= 1))
      throw new RangeError('capacity must be an integer ≥ 1');
  }

  get isPaused(): boolean {
    return this.paused;
  }

  counts(): { running: number; queued: number; capacity: number } {
    return { running: this.current ? 1 : 0, queued: this.waiting.length, capacity: this.options.capacity };
  }

  /** The running job first, then the queued ones in order (a job that just finished is no longer active). */
  active(): readonly ActiveJob[] {
    const running = this.running && !isFinished(this.running.record) ? [this.running] : [];
    return [...running, ...this.waiting];
  }

  find(jobId: string): ActiveJob | undefined {
    return this.active().find((job) => job.record.jobId === jobId);
  }

  get current(): ActiveJob | undefined {
    return this.running && !isFinished(this.running.record) ? this.running : undefined;
  }

  /**
   * Queues a job (journaled before this resolves) and returns its record and position; QUEUE_FULL when full. The
   * job joins the line only after it is saved and never starts before the caller has run on (the start is deferred
   * with setImmediate), so the reply to the request that queued it goes out before any event of the job.
   */
  async submitAsync(input: NewJob): Promise<{ record: JobRecord; position: number }> {
    if (this.closed) throw new ImagicError('JOB_INTERRUPTED', 'the companion is shutting down');
    const replaceable = (j: ActiveJob) =>
      input.spec.kind === 'render' && j.spec.kind === 'render' && j.record.editId === input.editId;
    const waiting = this.waiting.filter((j) => !replaceable(j)).length;
    if (waiting >= this.options.capacity)
      throw new ImagicError('QUEUE_FULL', `${waiting} jobs are waiting, the limit is ${this.options.capacity}`);
    const record: JobRecord = {
      version: JOB_RECORD_VERSION,
      jobId: input.jobId,
      editId: input.editId,
      kind: input.spec.kind,
      state: 'queued',
      client: input.client,
      requestId: input.requestId,
      prompt: input.prompt,
      resultFormat: input.resultFormat,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
      outputs: [],
      error: null,
      timingMs: { ...input.timingMs },
    };
    const job: ActiveJob = { record, spec: input.spec, controller: new AbortController(), position: 0 };
    await this.saveAsync(job);
    if (this.closed) {
      await this.failAsync(job, 'JOB_INTERRUPTED', 'the companion was stopped before this job ran');
      throw new ImagicError('JOB_INTERRUPTED', 'the companion is shutting down');
    }
    const replaced = this.waiting.filter(replaceable);
    for (const old of replaced) this.remove(old);
    this.waiting.push(job);
    job.position = this.waiting.length - 1;
    // Not awaited: nothing may come between queuing this job and returning (see above).
    for (const old of replaced)
      void this.failAsync(
        old,
        'SUPERSEDED',
        `replaced by the newer re-render ${record.jobId} of edit ${record.editId}`,
      );
    this.emitPositions();
    this.schedule();
    return { record, position: job.position };
  }

  /** Cancels a queued or running job; false when no such job is active. */
  async cancelAsync(jobId: string, reason = 'cancelled by the client'): Promise<boolean> {
    const job = this.find(jobId);
    if (!job) return false;
    if (job === this.running) {
      job.controller.abort(new ImagicError('CANCELLED', reason));
      return true;
    }
    this.remove(job);
    await this.failAsync(job, 'CANCELLED', reason);
    this.emitPositions();
    return true;
  }

  /** Cancels every active job of an edit and waits until none is running any more (before deleting the edit). */
  async cancelEditJobsAsync(editId: string, reason: string): Promise<number> {
    const jobs = this.active().filter((job) => job.record.editId === editId);
    for (const job of jobs) await this.cancelAsync(job.record.jobId, reason);
    if (jobs.some((job) => job === this.running)) await this.runningDone;
    return jobs.length;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.schedule();
  }

  /** Fails every queued job and stops the running one with JOB_INTERRUPTED, then waits for it (up to the grace). */
  async closeAsync(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0))
      await this.failAsync(job, 'JOB_INTERRUPTED', 'the companion was stopped before this job ran');
    this.running?.controller.abort(new ImagicError('JOB_INTERRUPTED', 'the companion was stopped while this job ran'));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.closeGraceMs ?? 10_000)));
    await Promise.race([this.runningDone, grace]);
    clearTimeout(timer);
    await Promise.all(this.saving.values());
  }

  private remove(job: ActiveJob): void {
    const index = this.waiting.indexOf(job);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  private emitPositions(): void {
    this.waiting.forEach((job, index) => {
      if (job.position === index) return;
      job.position = index;
      this.options.events.onQueued(job.record, index);
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Deferred, so the reply to the request that queued a job always goes out before the job's first event.
    setImmediate(() => {
      this.scheduled = false;
      this.startNext();
    });
  }

  private startNext(): void {
    if (this.running || this.paused || this.closed) return;
    const job = this.waiting.shift();
    if (!job) return;
    this.running = job;
    this.emitPositions();
    this.runningDone = this.runAsync(job).finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }

  private async runAsync(job: ActiveJob): Promise<void> {
    const { signal } = job.controller;
    const startedAt = new Date();
    job.record = {
      ...job.record,
      state: 'running',
      startedAt: startedAt.toISOString(),
      timingMs: { ...job.record.timingMs, queued: startedAt.getTime() - Date.parse(job.record.createdAt) },
    };
    // The engine's events carry the whole job's time left once it has an estimate (engine/progress-estimate.ts).
    const onProgress = (p: EngineProgress) => {
      job.progress = p;
      this.options.events.onProgress(job.record, job.progress);
    };
    try {
      await this.saveAsync(job);
      signal.throwIfAborted(); // cancelled while its start was being journaled
      const outcome = await this.options.execute(job, { signal, onProgress });
      signal.throwIfAborted();
      job.record = {
        ...job.record,
        state: 'done',
        finishedAt: new Date().toISOString(),
        outputs: outcome.outputs,
        timingMs: { ...job.record.timingMs, ...outcome.timingMs },
        ...(outcome.cost ? { cost: outcome.cost } : {}),
        ...(outcome.mask ? { mask: outcome.mask.info } : {}),
        ...(outcome.learned ? { learned: outcome.learned } : {}),
      };
      await this.saveAsync(job);
      this.options.events.onResult(job.record, outcome.payloads, outcome.mask?.payload);
    } catch (err) {
      const cause = signal.aborted && signal.reason instanceof ImagicError ? signal.reason : err;
      if (cause instanceof ImagicError) return this.failAsync(job, cause.code, cause.message);
      this.options.logger.warn(
        `job ${job.record.jobId} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
      await this.failAsync(
        job,
        'INTERNAL',
        `job ${job.record.jobId} failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`,
      );
    } finally {
      await this.options.store
        .pruneAsync()
        .catch((err: unknown) => this.options.logger.warn(`job journal prune failed: ${String(err)}`));
    }
  }

  /** Never rejects: a journal failure is logged, and the job's listeners hear about the failure regardless. */
  private async failAsync(job: ActiveJob, code: ErrorCode, message: string): Promise<void> {
    job.record = {
      ...job.record,
      state: 'failed',
      finishedAt: new Date().toISOString(),
      error: { code, message: message.slice(0, 2000) },
    };
    await this.saveAsync(job).catch((err: unknown) =>
      this.options.logger.warn(`could not journal job ${job.record.jobId}: ${String(err)}`),
    );
    try {
      this.options.events.onError(job.record);
    } catch (err) {
      this.options.logger.warn(`reporting the failure of job ${job.record.jobId} failed: ${String(err)}`);
    }
  }

  /** Saves the job's current record after any save already under way for it, so the file ends at the newest state. */
  private saveAsync(job: ActiveJob): Promise<void> {
    const record = job.record;
    const previous = this.saving.get(record.jobId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.options.store.saveAsync(record));
    this.saving.set(record.jobId, next);
    const cleanup = () => {
      if (this.saving.get(record.jobId) === next) this.saving.delete(record.jobId);
    };
    next.then(cleanup, cleanup);
    return next;
  }
}
