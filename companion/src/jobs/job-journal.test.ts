import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { JobJournal, jobsDir } from './job-journal.ts';
import { JOB_RECORD_VERSION, type JobRecord } from './job-record.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'imagic-journal-'));
});
afterEach(async () => rm(dataDir, { recursive: true, force: true }));

const record = (n: number, state: JobRecord['state']): JobRecord => ({
  version: JOB_RECORD_VERSION,
  jobId: n.toString(16).padStart(32, '0'),
  editId: 'e'.repeat(32),
  kind: 'render',
  state,
  client: 'figma',
  requestId: 'r1',
  prompt: null,
  resultFormat: 'png',
  createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
  startedAt: null,
  finishedAt: state === 'done' ? new Date().toISOString() : null,
  outputs: state === 'done' ? [{ index: 0, eta: 0.7, seed: 1, width: 8, height: 8, format: 'png', byteLength: 3 }] : [],
  error: null,
  timingMs: {},
});

describe('JobJournal', () => {
  it('marks jobs left queued or running by the last process as JOB_INTERRUPTED and keeps finished ones', async () => {
    const first = await JobJournal.openAsync(dataDir, { keepFinished: 10, logger: silentLogger });
    await first.saveAsync(record(1, 'done'));
    await first.writeResultAsync(record(1, 'done').jobId, 0, 'png', new Uint8Array([1, 2, 3]));
    await first.saveAsync(record(2, 'running'));
    await first.saveAsync(record(3, 'queued'));
    await writeFile(path.join(jobsDir(dataDir), `${'4'.padStart(32, '0')}.json`), '{"half');
    await writeFile(path.join(jobsDir(dataDir), 'x.json.tmp-1-abcd'), 'leftover');

    const second = await JobJournal.openAsync(dataDir, { keepFinished: 10, logger: silentLogger });
    expect(second.list().map((r) => [r.jobId.slice(-1), r.state, r.error?.code ?? null])).toEqual([
      ['3', 'failed', 'JOB_INTERRUPTED'],
      ['2', 'failed', 'JOB_INTERRUPTED'],
      ['1', 'done', null],
    ]);
    const done = second.get(record(1, 'done').jobId)!;
    expect([...(await second.readResultAsync(done, done.outputs[0]!))]).toEqual([1, 2, 3]);
    expect((await readdir(jobsDir(dataDir))).some((name) => name.includes('.tmp-'))).toBe(false);
  });

  it('prunes the oldest finished jobs beyond keepFinished', async () => {
    const journal = await JobJournal.openAsync(dataDir, { keepFinished: 2, logger: silentLogger });
    for (const n of [1, 2, 3]) await journal.saveAsync(record(n, 'done'));
    await journal.saveAsync(record(4, 'running'));
    expect(await journal.pruneAsync()).toBe(1);
    expect(journal.list().map((r) => r.jobId.slice(-1))).toEqual(['4', '3', '2']);
  });
});
