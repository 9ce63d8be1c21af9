// Re-render scheduling for the edit-strength slider, "latest wins": while the slider moves, quick low-step previews run one at a
// time and only the newest waiting value is kept; on release a full render replaces them. A running full render, or
// a running preview once a full render is wanted, is stale and gets cancelled. No I/O here: the caller supplies
// how to start and cancel a render job.

export type RenderKind = 'preview' | 'full';
/** `value`: the edit-strength slider's, which is η for an Imagic edit and the strength of a quick one. */
export type RenderRequest = { kind: RenderKind; value: number };

export type RenderPorts = {
  /** Starts a render job; resolves with its job id once the companion queued it. */
  startAsync(request: RenderRequest): Promise<string>;
  cancel(jobId: string): void;
  /** A render could not even start (e.g. the connection dropped). */
  onStartFailed(request: RenderRequest, error: unknown): void;
};

type Running = { request: RenderRequest; jobId: string | null; cancelWanted: boolean };

export class LatestWins {
  private running: Running | null = null;
  private pending: RenderRequest | null = null;
  private readonly cancelled = new Set<string>();

  constructor(private readonly ports: RenderPorts) {}

  get busy(): boolean {
    return this.running !== null || this.pending !== null;
  }

  request(request: RenderRequest): void {
    const same = (r: RenderRequest | null | undefined) =>
      r !== null && r !== undefined && r.kind === request.kind && r.value === request.value;
    if (this.running === null) return this.start(request);
    if (same(this.running.request) && this.pending === null) return;
    this.pending = request;
    if (this.running.request.kind === 'full' || request.kind === 'full') this.cancelRunning();
  }

  /** Call when a job ends (result, error, cancelled). Returns false for a job whose result is stale. */
  finished(jobId: string): boolean {
    const wasCancelled = this.cancelled.delete(jobId);
    if (this.running?.jobId === jobId) {
      this.running = null;
      this.startPending();
    }
    return !wasCancelled;
  }

  /** Whether `jobId` is a render this scheduler started and has not finished. */
  owns(jobId: string): boolean {
    return this.running?.jobId === jobId || this.cancelled.has(jobId);
  }

  /** Drops the waiting request and cancels the running one (the user cancelled, or the edit changed). */
  reset(): void {
    this.pending = null;
    this.cancelRunning();
  }

  private start(request: RenderRequest): void {
    const running: Running = { request, jobId: null, cancelWanted: false };
    this.running = running;
    this.ports.startAsync(request).then(
      (jobId) => {
        running.jobId = jobId;
        if (running.cancelWanted) this.cancel(jobId);
      },
      (err: unknown) => {
        if (this.running === running) this.running = null;
        this.ports.onStartFailed(request, err);
        this.startPending();
      },
    );
  }

  private startPending(): void {
    const next = this.pending;
    this.pending = null;
    if (next !== null && this.running === null) this.start(next);
  }

  private cancelRunning(): void {
    const running = this.running;
    if (running === null || running.cancelWanted) return;
    running.cancelWanted = true;
    if (running.jobId !== null) this.cancel(running.jobId);
  }

  private cancel(jobId: string): void {
    this.cancelled.add(jobId);
    this.ports.cancel(jobId);
  }
}
