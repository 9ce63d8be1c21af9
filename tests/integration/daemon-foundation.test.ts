// The companion daemon end to end over real loopback sockets: pairing, Host/Origin gates, validation with coded
// errors that keep the session alive, binary uploads, and the plugin UI's DaemonClient against the real server.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBinaryFrame } from '../../shared/src/protocol/binary-frame.ts';
import { MAX_JSON_MESSAGE_CHARS } from '../../shared/src/protocol/defaults.ts';
import { clientMessageExamples, exampleEditRequest } from '../../shared/src/protocol/message-examples.ts';
import { fakePng } from '../../shared/src/protocol/testing/fake-png.ts';
import { ImagicError } from '../../companion/src/errors.ts';
import { startDaemonAsync } from '../../companion/src/server/daemon.ts';
import { defaultDaemonOptions } from '../../companion/src/config.ts';
import { silentLogger } from '../../companion/src/log.ts';
import { Inbox, openSocketAsync, pairAsync, startTestDaemonAsync, type TestDaemon } from './support/daemon-harness.ts';

let daemon: TestDaemon;
beforeAll(async () => {
  daemon = await startTestDaemonAsync({ helloTimeoutMs: 400 });
});
afterAll(async () => daemon.stopAsync());

const hello = (token: string, id = 'h1') => ({ type: 'hello', id, client: 'figma', clientVersion: 'test', token });

describe('pairing', () => {
  it('answers hello with the right code with hello.ok echoing the id', async () => {
    const inbox = new Inbox(await openSocketAsync(daemon.port));
    const reply = await inbox.requestAsync(hello(daemon.token));
    expect(reply).toMatchObject({ type: 'hello.ok', id: 'h1', companionVersion: expect.any(String) });
    inbox.socket.close();
  });

  it('answers a wrong code with PAIRING_FAILED, then closes the socket with that code as reason', async () => {
    const inbox = new Inbox(await openSocketAsync(daemon.port));
    expect(await inbox.requestAsync(hello('x'.repeat(43)))).toMatchObject({
      type: 'error',
      id: 'h1',
      code: 'PAIRING_FAILED',
    });
    expect(await inbox.closed).toEqual({ code: 1008, reason: 'PAIRING_FAILED' });
  });

  it('refuses requests before hello with PAIRING_REQUIRED and closes', async () => {
    const inbox = new Inbox(await openSocketAsync(daemon.port));
    expect(await inbox.requestAsync({ type: 'status', id: 's0' })).toMatchObject({
      type: 'error',
      id: 's0',
      code: 'PAIRING_REQUIRED',
    });
    expect((await inbox.closed).code).toBe(1008);
  });

  it('refuses binary frames before hello', async () => {
    const inbox = new Inbox(await openSocketAsync(daemon.port));
    inbox.socket.send(new Uint8Array([1, 2, 3]));
    expect(await inbox.nextAsync()).toMatchObject({ type: 'error', code: 'PAIRING_REQUIRED' });
    expect((await inbox.closed).code).toBe(1008);
  });

  it('refuses a large frame before hello from its header, without buffering it; a paired socket may send one', async () => {
    // Any page can open a socket: unpaired, a frame over 16 KiB closes it (1009) as its header arrives.
    const unpaired = new Inbox(await openSocketAsync(daemon.port));
    unpaired.socket.send(new Uint8Array(1 << 20));
    expect((await unpaired.closed).code).toBe(1009);
    // Paired, the full limit applies: a 1 MiB frame is read, and refused for what it is, not for its size.
    const paired = await pairAsync(daemon);
    paired.socket.send(new Uint8Array(1 << 20));
    expect(await paired.nextAsync()).toMatchObject({ type: 'error', code: 'BAD_BINARY_FRAME' });
    paired.socket.close();
  });

  it('closes a socket that never says hello after the timeout', async () => {
    const inbox = new Inbox(await openSocketAsync(daemon.port));
    expect(await inbox.nextAsync()).toMatchObject({ type: 'error', code: 'PAIRING_REQUIRED' });
    expect(await inbox.closed).toEqual({ code: 1008, reason: 'PAIRING_REQUIRED' });
  });

  it('closes on a hello from another protocol version', async () => {
    const inbox = new Inbox(await openSocketAsync(daemon.port));
    inbox.socket.send(JSON.stringify({ ...hello(daemon.token), v: 2 }));
    expect(await inbox.nextAsync()).toMatchObject({ type: 'error', id: 'h1', code: 'PROTOCOL_VERSION_MISMATCH' });
    expect((await inbox.closed).code).toBe(1008);
  });
});

describe('handshake gates', () => {
  it('accepts Figma\'s "null" origin and the companion\'s own origin', async () => {
    for (const origin of ['null', `http://localhost:${daemon.port}`]) {
      const socket = await openSocketAsync(daemon.port, { origin });
      socket.close();
    }
  });

  it.each(['https://evil.example', 'http://localhost:3000', 'https://www.figma.com'])(
    'refuses Origin %s with 403 FORBIDDEN_ORIGIN',
    async (origin) => {
      await expect(openSocketAsync(daemon.port, { origin })).rejects.toEqual({ status: 403, code: 'FORBIDDEN_ORIGIN' });
    },
  );

  it('refuses a rebinding Host with 403 FORBIDDEN_HOST', async () => {
    await expect(openSocketAsync(daemon.port, { host: `evil.example:${daemon.port}` })).rejects.toEqual({
      status: 403,
      code: 'FORBIDDEN_HOST',
    });
    await expect(openSocketAsync(daemon.port, { host: 'localhost:1' })).rejects.toEqual({
      status: 403,
      code: 'FORBIDDEN_HOST',
    });
  });

  it('serves WebSockets only on /ws', async () => {
    await expect(openSocketAsync(daemon.port, { path: '/' })).rejects.toMatchObject({ status: 404 });
  });
});

describe('a paired session', () => {
  it('answers status with no model and the NO_MODEL hint', async () => {
    const inbox = await pairAsync(daemon);
    const reply = await inbox.requestAsync({ type: 'status', id: 's1' });
    expect(reply).toMatchObject({
      type: 'status.result',
      id: 's1',
      device: null,
      model: { state: 'none', code: 'NO_MODEL', hint: expect.stringContaining('imagic models add') },
      queue: { running: 0, queued: 0 },
    });
    inbox.socket.close();
  });

  it('answers malformed JSON with MALFORMED_MESSAGE and keeps serving', async () => {
    const inbox = await pairAsync(daemon);
    inbox.socket.send('{"v":1,"type":"status",');
    expect(await inbox.nextAsync()).toMatchObject({ type: 'error', code: 'MALFORMED_MESSAGE' });
    expect(await inbox.requestAsync({ type: 'status', id: 's2' })).toMatchObject({ type: 'status.result', id: 's2' });
    inbox.socket.close();
  });

  it('answers each kind of bad message with its own code, correlated by id, and keeps serving', async () => {
    const inbox = await pairAsync(daemon);
    expect(await inbox.requestAsync({ type: 'models.pull', id: 'u1' })).toMatchObject({
      code: 'UNKNOWN_MESSAGE_TYPE',
      id: 'u1',
    });
    expect(await inbox.requestAsync({ type: 'status', id: 'x1', extra: true })).toMatchObject({
      code: 'INVALID_FIELD',
      id: 'x1',
    });
    inbox.socket.send(JSON.stringify({ v: 7, type: 'status', id: 'v7' }));
    expect(await inbox.nextAsync()).toMatchObject({ code: 'PROTOCOL_VERSION_MISMATCH', id: 'v7' });
    inbox.socket.send(`{"v":1,"type":"status","id":"big","pad":"${'x'.repeat(MAX_JSON_MESSAGE_CHARS)}"}`);
    expect(await inbox.nextAsync()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await inbox.requestAsync({ type: 'status', id: 's3' })).toMatchObject({ type: 'status.result', id: 's3' });
    inbox.socket.close();
  });

  it('answers requests about unknown edits and jobs with EDIT_NOT_FOUND / JOB_NOT_FOUND, and lists no edits', async () => {
    const inbox = await pairAsync(daemon);
    const { 'edit.render': render, 'edit.delete': del, 'job.cancel': cancel } = clientMessageExamples;
    expect(await inbox.requestAsync({ ...render })).toMatchObject({
      type: 'error',
      id: render.id,
      code: 'EDIT_NOT_FOUND',
    });
    expect(await inbox.requestAsync({ ...del })).toMatchObject({ type: 'error', id: del.id, code: 'EDIT_NOT_FOUND' });
    expect(await inbox.requestAsync({ ...cancel })).toMatchObject({
      type: 'error',
      id: cancel.id,
      code: 'JOB_NOT_FOUND',
    });
    expect(await inbox.requestAsync({ type: 'edits.list', id: 'l1' })).toEqual({
      v: 1,
      type: 'edits.list.result',
      id: 'l1',
      edits: [],
    });
    inbox.socket.close();
  });
});

describe('binary uploads', () => {
  const png = fakePng(64, 48);
  const frameId = '0123456789abcdef0123456789abcdef';
  const upload = encodeBinaryFrame({
    kind: 'upload',
    id: frameId,
    index: 0,
    width: 64,
    height: 48,
    format: 'png',
    payload: png,
  });
  const sha256 = createHash('sha256').update(png).digest('hex');
  const editStart = (id: string, patch: Partial<typeof exampleEditRequest.image> = {}) => ({
    type: 'edit.start',
    id,
    request: { ...exampleEditRequest, image: { frameId, sha256, width: 64, height: 48, ...patch } },
  });

  it('rejects a bad frame with BAD_BINARY_FRAME and keeps serving', async () => {
    const inbox = await pairAsync(daemon);
    inbox.socket.send(new Uint8Array(10));
    expect(await inbox.nextAsync()).toMatchObject({ type: 'error', code: 'BAD_BINARY_FRAME' });
    expect(await inbox.requestAsync({ type: 'status', id: 's4' })).toMatchObject({ type: 'status.result' });
    inbox.socket.close();
  });

  it('finds an upload named by edit.start, checks its hash and size, then reports NO_MODEL', async () => {
    if (!upload.ok) throw new Error(upload.message);
    const inbox = await pairAsync(daemon);
    expect(await inbox.requestAsync(editStart('e0'))).toMatchObject({ id: 'e0', code: 'UPLOAD_NOT_FOUND' });
    inbox.socket.send(upload.value);
    expect(await inbox.requestAsync(editStart('e1'))).toMatchObject({ type: 'error', id: 'e1', code: 'NO_MODEL' });
    expect(await inbox.requestAsync(editStart('e2', { sha256: 'f'.repeat(64) }))).toMatchObject({
      id: 'e2',
      code: 'INVALID_FIELD',
    });
    expect(await inbox.requestAsync(editStart('e3', { width: 65 }))).toMatchObject({ id: 'e3', code: 'INVALID_FIELD' });
    inbox.socket.close();
  });

  it('keeps uploads per connection', async () => {
    if (!upload.ok) throw new Error(upload.message);
    const first = await pairAsync(daemon);
    first.socket.send(upload.value);
    const second = await pairAsync(daemon);
    expect(await second.requestAsync(editStart('e4'))).toMatchObject({ code: 'UPLOAD_NOT_FOUND' });
    first.socket.close();
    second.socket.close();
  });
});

describe('HTTP', () => {
  const getAsync = (port: number, headers: Record<string, string>) =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/health', headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
        );
      });
      req.on('error', reject);
      req.end();
    });

  it('answers GET /health with JSON', async () => {
    const { status, body } = await getAsync(daemon.port, { host: `localhost:${daemon.port}` });
    expect(status).toBe(200);
    expect(body).toMatchObject({ ok: true, name: 'imagic', protocolVersion: 1, model: 'none' });
  });

  it('refuses a foreign Host or Origin with a coded 403', async () => {
    expect(await getAsync(daemon.port, { host: 'evil.example' })).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_HOST' },
    });
    expect(
      await getAsync(daemon.port, { host: `localhost:${daemon.port}`, origin: 'https://evil.example' }),
    ).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN_ORIGIN' },
    });
  });
});

describe('startDaemonAsync', () => {
  it('fails with PORT_IN_USE when the port is taken', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'imagic-port-'));
    const attempt = startDaemonAsync({ ...defaultDaemonOptions, port: daemon.port, dataDir, logger: silentLogger });
    await expect(attempt).rejects.toBeInstanceOf(ImagicError);
    await expect(attempt).rejects.toMatchObject({ code: 'PORT_IN_USE' });
    // It let go of its own data folder: a daemon can start there now.
    const next = await startDaemonAsync({ ...defaultDaemonOptions, port: 0, dataDir, logger: silentLogger });
    await next.closeAsync();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("fails with DATA_DIR_IN_USE on a running daemon's data folder, leaving its running job alone", async () => {
    // A job the running daemon is running, as its journal holds it.
    const jobId = 'a'.repeat(32);
    const running = {
      version: 1,
      jobId,
      editId: 'e'.repeat(32),
      kind: 'render',
      state: 'running',
      client: 'figma',
      requestId: 'r1',
      prompt: null,
      resultFormat: 'png',
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      finishedAt: null,
      outputs: [],
      error: null,
      timingMs: {},
    };
    const file = join(daemon.dataDir, 'jobs', `${jobId}.json`);
    await writeFile(file, JSON.stringify(running));
    const attempt = startDaemonAsync({
      ...defaultDaemonOptions,
      port: 0,
      dataDir: daemon.dataDir,
      logger: silentLogger,
    });
    await expect(attempt).rejects.toMatchObject({
      code: 'DATA_DIR_IN_USE',
      message: expect.stringContaining(`process ${process.pid}`),
    });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ state: 'running', error: null });
    await rm(file);
  });

  it('rate-limits wrong codes after repeated failures, and still pairs the right one (a page cannot lock the plugin out)', async () => {
    const strict = await startTestDaemonAsync({ pairingMaxFailures: 2 });
    try {
      for (const _ of [1, 2]) {
        const inbox = new Inbox(await openSocketAsync(strict.port));
        expect(await inbox.requestAsync(hello('y'.repeat(43)))).toMatchObject({ code: 'PAIRING_FAILED' });
      }
      const flood = new Inbox(await openSocketAsync(strict.port));
      expect(await flood.requestAsync(hello('z'.repeat(43)))).toMatchObject({ code: 'RATE_LIMITED' });
      const inbox = new Inbox(await openSocketAsync(strict.port));
      expect(await inbox.requestAsync(hello(strict.token))).toMatchObject({ type: 'hello.ok' });
      inbox.socket.close();
      expect(strict.logLines.filter((line) => line.includes('wrong pairing code'))).toHaveLength(2);
    } finally {
      await strict.stopAsync();
    }
  });

  it('closes open sockets with 1001 on shutdown', async () => {
    const other = await startTestDaemonAsync();
    const inbox = await pairAsync(other);
    await other.stopAsync();
    expect((await inbox.closed).code).toBe(1001);
  });
});
