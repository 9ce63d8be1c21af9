// Which run and which kind of work each companion job belongs to.

export type JobKind = 'train' | 'preview' | 'full';
/** `strength`: a quick edit's render at that strength (its outputs' grid row). */
export type JobInfo = { runId: number; kind: JobKind; steps: number; strength?: number };

export class JobRegistry {
  private readonly jobs = new Map<string, JobInfo>();

  add(jobId: string, info: JobInfo): void {
    this.jobs.set(jobId, info);
  }

  get(jobId: string): JobInfo | undefined {
    return this.jobs.get(jobId);
  }

  remove(jobId: string): void {
    this.jobs.delete(jobId);
  }

  /** Jobs of a run (or every run) that have not ended. */
  active(runId?: number): Array<[string, JobInfo]> {
    return [...this.jobs].filter(([, info]) => runId === undefined || info.runId === runId);
  }

  clear(): void {
    this.jobs.clear();
  }
}
