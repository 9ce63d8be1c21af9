// The queue's ordering rules with a scripted executor (no engine): one job at a time, positions, latest-wins
// re-renders, cancellation of queued and running jobs, pause/resume, capacity and shutdown.
import { describe, expect, it } from 'vitest';
import { ImagicError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import type { JobProgress } from '../../../shared/src/protocol/job-info.ts';
import { exampleEditRequest } from '../../../shared/src/protocol/message-examples.ts';
import { JobQueue, type ActiveJob, type JobEvents, type JobSpec, type NewJob } from './job-queue.ts';
import type { JobRecord } from './job-record.ts';
import type { RunControl } from '../engine-host/edit-engine.ts';

type Event = { type: 'queued' | 'progress' | 'result' | 'error'; jobId: string; position?: number; code?: string };

/** An executor whose jobs finish when the test says so, and stop (CANCELLED) when their signal fires. */
function scripted() {
  const running: { job: ActiveJob; control: RunControl; finish: () => void }[] = [];
  const execute = (job: ActiveJob, control: RunControl) =>
    new Promise<{ outputs: []; payloads: []; timingMs: Record<string, never> }>((resolve, reject) => {
      control.signal.addEventListener('abort', () => reject(new ImagicError('CANCELLED', 'stopped at the next step')));
      running.push({ job, control, finish: () => resolve({ outputs: [], payloads: [], timingMs: {} }) });
    });
  return { running, execute };
}

function harness(capacity = 8) {
  const events: Event[] = [];
  const saved = new Map<string, JobRecord>();
  const sink: JobEvents = {
    onQueued: (r, position) => events.push({ type: 'queued', jobId: r.jobId, position }),
    onProgress: (r, _p: JobProgress) => events.push({ type: 'progress', jobId: r.jobId }),
    onResult: (r) => events.push({ type: 'result', jobId: r.jobId }),
    onError: (r) => events.push({ type: 'error', jobId: r.jobId, code: r.error?.code ?? '' }),
  };
  const script = scripted();
  const queue = new JobQueue({
    execute: script.execute,
    store: { saveAsync: async (r) => void saved.set(r.jobId, r), pruneAsync: async () => 0 },
    events: sink,
    capacity,
    logger: silentLogger,
  });
  return { queue, events, saved, script };
}

let counter = 0;
const id = () => (++counter).toString(16).padStart(32, '0');
const editId = 'e'.repeat(32);
const render: JobSpec = { kind: 'render', sampling: exampleEditRequest.sampling };
const edit: JobSpec = {
  kind: 'edit',
  request: exampleEditRequest,
  image: { width: 8, height: 8, rgba: new Uint8Array(256) },
};
const job = (spec: JobSpec, overrides: Partial<NewJob> = {}): NewJob => ({
  jobId: id(),
  editId: id(),
  spec,
  client: 'figma',
  requestId: 'r',
  prompt: null,
  resultFormat: 'png',
  ...overrides,
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('JobQueue', () => {
  it('runs one job at a time in order and reports positions as they change', async () => {
    const { queue, events, script } = harness();
    const a = await queue.submitAsync(job(edit));
    const b = await queue.submitAsync(job(edit));
    const c = await queue.submitAsync(job(edit));
    expect([a.position, b.position, c.position]).toEqual([0, 1, 2]);
    await tick();
    expect(script.running.map((r) => r.job.record.jobId)).toEqual([a.record.jobId]);
    expect(events).toEqual([
      { type: 'queued', jobId: b.record.jobId, position: 0 },
      { type: 'queued', jobId: c.record.jobId, position: 1 },
    ]);
    script.running[0]!.finish();
    await tick();
    await tick();
    expect(script.running.map((r) => r.job.record.jobId)).toEqual([a.record.jobId, b.record.jobId]);
    expect(events.slice(2)).toEqual([
      { type: 'result', jobId: a.record.jobId },
      { type: 'queued', jobId: c.record.jobId, position: 0 },
    ]);
  });

  it('replaces a queued re-render of the same edit with the newer one (SUPERSEDED), never the running one', async () => {
    const { queue, events, script } = harness();
    const first = await queue.submitAsync(job(render, { editId }));
    await tick();
    const second = await queue.submitAsync(job(render, { editId }));
    const other = await queue.submitAsync(job(render));
    const third = await queue.submitAsync(job(render, { editId }));
    await tick();
    expect(events).toContainEqual({ type: 'error', jobId: second.record.jobId, code: 'SUPERSEDED' });
    expect(queue.active().map((j) => j.record.jobId)).toEqual([
      first.record.jobId,
      other.record.jobId,
      third.record.jobId,
    ]);
    expect(third.position).toBe(1);
    expect(script.running).toHaveLength(1);
  });

  it('cancels a queued job at once and a running one through its signal', async () => {
    const { queue, events, script, saved } = harness();
    const a = await queue.submitAsync(job(edit));
    const b = await queue.submitAsync(job(edit));
    await tick();
    expect(await queue.cancelAsync(b.record.jobId)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'error', jobId: b.record.jobId, code: 'CANCELLED' });
    expect(await queue.cancelAsync(a.record.jobId)).toBe(true);
    expect(script.running[0]!.control.signal.aborted).toBe(true);
    await tick();
    expect(events.at(-1)).toEqual({ type: 'error', jobId: a.record.jobId, code: 'CANCELLED' });
    expect(saved.get(a.record.jobId)).toMatchObject({ state: 'failed', error: { code: 'CANCELLED' } });
    expect(await queue.cancelAsync(a.record.jobId)).toBe(false);
  });

  it('holds queued jobs while paused and lets the running one finish', async () => {
    const { queue, script } = harness();
    await queue.submitAsync(job(edit));
    await tick();
    queue.pause();
    await queue.submitAsync(job(edit));
    script.running[0]!.finish();
    await tick();
    await tick();
    expect(script.running).toHaveLength(1);
    expect(queue.counts()).toMatchObject({ running: 0, queued: 1 });
    queue.resume();
    await tick();
    expect(script.running).toHaveLength(2);
  });

  it('refuses a job beyond capacity with QUEUE_FULL, unless it supersedes one', async () => {
    const { queue } = harness(1);
    await queue.submitAsync(job(edit));
    await tick();
    await queue.submitAsync(job(render, { editId }));
    await expect(queue.submitAsync(job(edit))).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await expect(queue.submitAsync(job(render, { editId }))).resolves.toMatchObject({ position: 0 });
  });

  it('journals each state before telling anyone, and interrupts everything on close', async () => {
    const { queue, saved, events } = harness();
    const a = await queue.submitAsync(job(edit));
    expect(saved.get(a.record.jobId)?.state).toBe('queued');
    await tick();
    expect(saved.get(a.record.jobId)?.state).toBe('running');
    const b = await queue.submitAsync(job(edit));
    await queue.closeAsync();
    expect(saved.get(b.record.jobId)).toMatchObject({ state: 'failed', error: { code: 'JOB_INTERRUPTED' } });
    expect(saved.get(a.record.jobId)).toMatchObject({ state: 'failed', error: { code: 'JOB_INTERRUPTED' } });
    expect(events.filter((e) => e.type === 'error').map((e) => e.code)).toEqual(['JOB_INTERRUPTED', 'JOB_INTERRUPTED']);
    await expect(queue.submitAsync(job(edit))).rejects.toMatchObject({ code: 'JOB_INTERRUPTED' });
  });
});
