// The job journal: one JSON file per job under <data-dir>/jobs/, rewritten atomically at every state change, and
// the job's result images under <data-dir>/jobs/<job-id>/<index>.<png|rgba>, written before the record says done.
// A client that reconnects reads both back (`jobs.list`, `job.fetch`). At start, a job the previous process left
// queued or running was interrupted by a crash or kill: it is marked failed with JOB_INTERRUPTED, and finished
// jobs keep their results. Finished jobs beyond `keepFinished` are pruned, oldest first.
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fail } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { OutputInfo } from '../../../shared/src/protocol/job-info.ts';
import { removeTempFilesAsync, writeFileAtomicAsync } from '../util/atomic-write.ts';
import { isFinished, JobRecord, type ResultFormat } from './job-record.ts';

export const jobsDir = (dataDir: string): string => path.join(dataDir, 'jobs');

const RECORD_FILE = /^([0-9a-f]{32})\.json$/;
const extensionOf: Record<ResultFormat, string> = { png: 'png', rgba8: 'rgba' };

export type JobJournalOptions = { keepFinished: number; logger: Logger };

export class JobJournal {
  private readonly records = new Map<string, JobRecord>();

  private constructor(
    readonly dir: string,
    private readonly options: JobJournalOptions,
  ) {}

  /** Loads every record, fails the interrupted ones, clears temp files and prunes old jobs. */
  static async openAsync(dataDir: string, options: JobJournalOptions): Promise<JobJournal> {
    if (!(Number.isInteger(options.keepFinished) && options.keepFinished >= 1))
      throw new RangeError('keepFinished must be an integer ≥ 1');
    const journal = new JobJournal(jobsDir(dataDir), options);
    await mkdir(journal.dir, { recursive: true, mode: 0o700 });
    await removeTempFilesAsync(journal.dir);
    await journal.loadAsync();
    await journal.pruneAsync();
    return journal;
  }

  private async loadAsync(): Promise<void> {
    const now = new Date().toISOString();
    for (const name of await readdir(this.dir)) {
      const match = RECORD_FILE.exec(name);
      if (!match) continue;
      const file = path.join(this.dir, name);
      const parsed = JobRecord.safeParse(await readJsonAsync(file));
      if (!parsed.success || parsed.data.jobId !== match[1]) {
        this.options.logger.warn(`job journal: skipping unreadable ${file}`);
        continue;
      }
      const record = parsed.data;
      await removeTempFilesAsync(this.resultsDir(record.jobId));
      if (isFinished(record)) {
        this.records.set(record.jobId, record);
        continue;
      }
      const during = record.state === 'running' ? 'while it was running' : 'before it could run';
      const interrupted: JobRecord = {
        ...record,
        state: 'failed',
        finishedAt: now,
        error: {
          code: 'JOB_INTERRUPTED',
          message: `the companion stopped (crash, kill or power loss) ${during}; start it again`,
        },
      };
      await this.saveAsync(interrupted);
      this.options.logger.warn(
        `job ${record.jobId} (${record.kind}) was interrupted ${during} by the last shutdown; marked failed`,
      );
    }
  }

  get(jobId: string): JobRecord | undefined {
    return this.records.get(jobId);
  }

  /** Every record, newest first. */
  list(): JobRecord[] {
    return [...this.records.values()].sort(
      (a, b) => b.createdAt.localeCompare(a.createdAt) || b.jobId.localeCompare(a.jobId),
    );
  }

  /** The newest edit job that made `editId`, if the journal still has it. */
  editRecord(editId: string): JobRecord | undefined {
    return this.list().find((r) => r.kind === 'edit' && r.editId === editId);
  }

  /**
   * Finished states are flushed to disk (they are what a reconnecting client reads). Queued and running are not:
   * after a crash they read as interrupted either way, and skipping two disk flushes per job keeps them cheap.
   */
  async saveAsync(record: JobRecord): Promise<void> {
    this.records.set(record.jobId, record);
    await writeFileAtomicAsync(path.join(this.dir, `${record.jobId}.json`), `${JSON.stringify(record)}\n`, {
      durable: isFinished(record),
    });
  }

  resultsDir(jobId: string): string {
    return path.join(this.dir, jobId);
  }

  resultFile(jobId: string, index: number, format: ResultFormat): string {
    return path.join(this.resultsDir(jobId), `${index}.${extensionOf[format]}`);
  }

  async writeResultAsync(jobId: string, index: number, format: ResultFormat, bytes: Uint8Array): Promise<void> {
    await mkdir(this.resultsDir(jobId), { recursive: true, mode: 0o700 });
    await writeFileAtomicAsync(this.resultFile(jobId, index, format), bytes);
  }

  /** Where a job's automatic mask is stored, beside its results. */
  maskFile(jobId: string): string {
    return path.join(this.resultsDir(jobId), 'mask.png');
  }

  async writeMaskAsync(jobId: string, png: Uint8Array): Promise<void> {
    await mkdir(this.resultsDir(jobId), { recursive: true, mode: 0o700 });
    await writeFileAtomicAsync(this.maskFile(jobId), png);
  }

  /** The stored mask of a finished job that has one (record.mask), else undefined. */
  async readMaskAsync(record: JobRecord): Promise<Uint8Array | undefined> {
    if (record.mask === undefined) return undefined;
    try {
      return await readFile(this.maskFile(record.jobId));
    } catch (err) {
      return fail('JOB_NOT_FOUND', `the mask of job ${record.jobId} is gone; start it again`, err);
    }
  }

  /** The stored bytes of a finished job's output. */
  async readResultAsync(record: JobRecord, output: OutputInfo): Promise<Uint8Array> {
    const file = this.resultFile(record.jobId, output.index, record.resultFormat);
    try {
      return await readFile(file);
    } catch (err) {
      return fail(
        'JOB_NOT_FOUND',
        `the results of job ${record.jobId} are gone from ${this.resultsDir(record.jobId)}; start it again`,
        err,
      );
    }
  }

  /** Deletes the oldest finished jobs (record and results) beyond keepFinished. */
  async pruneAsync(): Promise<number> {
    const finished = this.list().filter(isFinished);
    const doomed = finished.slice(this.options.keepFinished);
    for (const record of doomed) {
      this.records.delete(record.jobId);
      await rm(this.resultsDir(record.jobId), { recursive: true, force: true });
      await rm(path.join(this.dir, `${record.jobId}.json`), { force: true });
    }
    return doomed.length;
  }
}

async function readJsonAsync(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}
