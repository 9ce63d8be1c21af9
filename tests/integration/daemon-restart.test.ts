// Nothing lost across a crash: `imagic serve` as a child process runs one edit to the end and is killed with
// SIGKILL in the middle of a second. After a restart, the interrupted job is failed with JOB_INTERRUPTED, the
// finished job's results come back byte for byte, and its saved edit still re-renders.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/src/protocol/messages.ts';
import { loadOrCreatePairingTokenAsync } from '../../companion/src/pairing/pairing-token.ts';
import { installTinyModelAsync, pairAsync, type Inbox } from './support/daemon-harness.ts';
import { fastEditRequest, FAST_SAMPLING, ofType, uploadAsync } from './support/edit-fixtures.ts';
import { spawnServeAsync, type ServeProcess } from './support/serve-process.ts';

/** Each test spawns the CLI or the daemon (a Node process with tsx, 1–2 s to start) a few times. */
const CLI_TIMEOUT_MS = 60_000;

let dataDir: string;
let token: string;
const children: ServeProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'imagic-restart-'));
  await installTinyModelAsync(dataDir);
  token = await loadOrCreatePairingTokenAsync(dataDir);
});
afterAll(async () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

async function startAsync(): Promise<{ serve: ServeProcess; inbox: Inbox }> {
  const serve = await spawnServeAsync(dataDir);
  children.push(serve);
  return { serve, inbox: await pairAsync({ port: serve.port, token }) };
}

describe('restart after kill -9', { timeout: CLI_TIMEOUT_MS }, () => {
  it('fails the interrupted job with JOB_INTERRUPTED and keeps finished results and saved edits', async () => {
    const { serve, inbox } = await startAsync();
    const finished = await inbox.requestAsync({
      type: 'edit.start',
      id: 'a',
      request: fastEditRequest(await uploadAsync(inbox)),
    });
    if (finished.type !== 'job.queued') throw new Error(JSON.stringify(finished));
    const { message: result } = await inbox.untilAsync(ofType('job.result', finished.jobId));
    const bytes = (await inbox.nextFrameAsync()).payload;

    const doomed = await inbox.requestAsync({
      type: 'edit.start',
      id: 'b',
      request: fastEditRequest(await uploadAsync(inbox), { embedSteps: 5000 }),
    });
    if (doomed.type !== 'job.queued') throw new Error(JSON.stringify(doomed));
    await inbox.untilAsync((m): m is ServerMessage => m.type === 'job.progress' && m.stage === 'embed' && m.step >= 2);
    serve.child.kill('SIGKILL');
    expect(await serve.exited).toBeNull();

    const again = await startAsync();
    const list = await again.inbox.requestAsync({ type: 'jobs.list', id: 'l' });
    if (list.type !== 'jobs.list.result') throw new Error(JSON.stringify(list));
    expect(list.jobs.find((j) => j.jobId === doomed.jobId)).toMatchObject({
      state: 'failed',
      error: { code: 'JOB_INTERRUPTED', message: expect.stringContaining('while it was running') },
    });
    expect(list.jobs.find((j) => j.jobId === finished.jobId)).toMatchObject({ state: 'done', outputs: result.outputs });

    expect(await again.inbox.requestAsync({ type: 'job.fetch', id: 'f', jobId: finished.jobId })).toMatchObject({
      type: 'job.result',
      id: 'f',
      outputs: result.outputs,
    });
    expect(Buffer.compare((await again.inbox.nextFrameAsync()).payload, bytes)).toBe(0);
    expect(await again.inbox.requestAsync({ type: 'job.fetch', id: 'g', jobId: doomed.jobId })).toMatchObject({
      type: 'job.error',
      id: 'g',
      code: 'JOB_INTERRUPTED',
    });

    const edits = await again.inbox.requestAsync({ type: 'edits.list', id: 'e' });
    if (edits.type !== 'edits.list.result') throw new Error(JSON.stringify(edits));
    expect(edits.edits.map((e) => [e.editId, e.state])).toEqual([[finished.editId, 'ready']]);
    const render = await again.inbox.requestAsync({
      type: 'edit.render',
      id: 'r',
      editId: finished.editId,
      sampling: FAST_SAMPLING,
    });
    if (render.type !== 'job.queued') throw new Error(JSON.stringify(render));
    await again.inbox.untilAsync(ofType('job.result', render.jobId));
    await again.inbox.nextFrameAsync();

    again.inbox.socket.close();
    again.serve.child.kill('SIGTERM');
    expect(await again.serve.exited).toBe(0);
    expect(again.serve.stderr()).toMatch(/job [0-9a-f]{32} \(edit\) was interrupted while it was running/);
  });
});
