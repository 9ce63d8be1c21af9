import { describe, expect, it } from 'vitest';
import { LatestWins, type RenderRequest } from './live-preview.ts';

/** Ports that queue each job on the next microtask and record what happened. */
function harness() {
  const started: Array<RenderRequest & { jobId: string }> = [];
  const cancelled: string[] = [];
  let n = 0;
  const scheduler = new LatestWins({
    startAsync: async (request) => {
      const jobId = `j${++n}`;
      started.push({ ...request, jobId });
      return jobId;
    },
    cancel: (jobId) => void cancelled.push(jobId),
    onStartFailed: () => undefined,
  });
  return { scheduler, started, cancelled, tick: () => new Promise((r) => setTimeout(r, 0)) };
}

describe('LatestWins', () => {
  it('runs one preview at a time and keeps only the newest waiting value', async () => {
    const { scheduler, started, cancelled, tick } = harness();
    scheduler.request({ kind: 'preview', value: 0.5 });
    scheduler.request({ kind: 'preview', value: 0.55 });
    scheduler.request({ kind: 'preview', value: 0.6 });
    await tick();
    expect(started.map((s) => s.value)).toEqual([0.5]);
    expect(scheduler.finished('j1')).toBe(true);
    await tick();
    expect(started.map((s) => s.value)).toEqual([0.5, 0.6]);
    expect(cancelled).toEqual([]);
  });

  it('cancels a running preview when the slider is released, then runs the full render', async () => {
    const { scheduler, started, cancelled, tick } = harness();
    scheduler.request({ kind: 'preview', value: 0.5 });
    await tick();
    scheduler.request({ kind: 'full', value: 0.6 });
    expect(cancelled).toEqual(['j1']);
    expect(scheduler.finished('j1')).toBe(false);
    await tick();
    expect(started.at(-1)).toEqual({ kind: 'full', value: 0.6, jobId: 'j2' });
  });

  it('cancels a stale full render when the slider moves again, even before the companion named its job', async () => {
    const { scheduler, started, cancelled, tick } = harness();
    scheduler.request({ kind: 'full', value: 0.6 });
    scheduler.request({ kind: 'preview', value: 0.8 });
    await tick();
    expect(cancelled).toEqual(['j1']);
    expect(scheduler.owns('j1')).toBe(true);
    scheduler.finished('j1');
    await tick();
    expect(started.map((s) => [s.kind, s.value])).toEqual([
      ['full', 0.6],
      ['preview', 0.8],
    ]);
  });

  it('ignores a repeat of the running request and resets on cancel', async () => {
    const { scheduler, started, cancelled, tick } = harness();
    scheduler.request({ kind: 'preview', value: 0.5 });
    scheduler.request({ kind: 'preview', value: 0.5 });
    await tick();
    expect(started).toHaveLength(1);
    scheduler.request({ kind: 'preview', value: 0.7 });
    scheduler.reset();
    expect(cancelled).toEqual(['j1']);
    scheduler.finished('j1');
    await tick();
    expect(started).toHaveLength(1);
    expect(scheduler.busy).toBe(false);
  });

  it('moves on to the waiting request when a start fails', async () => {
    const failures: unknown[] = [];
    let calls = 0;
    const scheduler = new LatestWins({
      startAsync: async () => {
        calls++;
        if (calls === 1) throw new Error('offline');
        return 'j2';
      },
      cancel: () => undefined,
      onStartFailed: (_r, err) => void failures.push(err),
    });
    scheduler.request({ kind: 'preview', value: 0.5 });
    scheduler.request({ kind: 'preview', value: 0.6 });
    await new Promise((r) => setTimeout(r, 0));
    expect(failures).toHaveLength(1);
    expect(calls).toBe(2);
  });
});
