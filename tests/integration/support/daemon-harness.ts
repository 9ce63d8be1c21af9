// Test support: a real daemon on an ephemeral loopback port, and a scriptable `ws` client that reads replies
// through the shared parser, so every reply the tests look at is also checked against the protocol.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { decodeBinaryFrame, type BinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import { WS_PATH } from '../../../shared/src/protocol/defaults.ts';
import type { ServerMessage } from '../../../shared/src/protocol/messages.ts';
import { parseServerMessage } from '../../../shared/src/protocol/parse.ts';
import { PROTOCOL_VERSION } from '../../../shared/src/protocol/version.ts';
import { defaultDaemonOptions, type DaemonOptions } from '../../../companion/src/config.ts';
import type { Logger } from '../../../companion/src/log.ts';
import { loadOrCreatePairingTokenAsync } from '../../../companion/src/pairing/pairing-token.ts';
import { startDaemonAsync, type RunningDaemon } from '../../../companion/src/server/daemon.ts';
import { writeTinyPackage } from '../../../companion/src/fixtures/tiny-package.ts';

export type TestDaemon = RunningDaemon & { token: string; logLines: string[]; stopAsync(): Promise<void> };

/** The model id tests install: the engine's tiny package, written into <data-dir>/models/tiny. */
export const TINY_MODEL = 'tiny';

export async function installTinyModelAsync(dataDir: string, id = TINY_MODEL): Promise<void> {
  await writeTinyPackage(path.join(dataDir, 'models', id));
}

/** The bundled demo model, for tests whose figures need a model that draws something (automatic masks). */
const DEMO_PACKAGE = fileURLToPath(new URL('../../../models/demo', import.meta.url));

/**
 * A daemon on an ephemeral port with a fresh data dir; `withModel` installs the tiny package, or with 'demo' a copy
 * of the demo model (engine on cpu).
 */
export async function startTestDaemonAsync(
  overrides: Partial<DaemonOptions> & { withModel?: boolean | 'demo' } = {},
): Promise<TestDaemon> {
  const { withModel = false, ...options } = overrides;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'imagic-it-')));
  if (withModel === 'demo') await cp(DEMO_PACKAGE, path.join(dataDir, 'models', 'demo'), { recursive: true });
  else if (withModel) await installTinyModelAsync(dataDir);
  const logLines: string[] = [];
  const logger: Logger = { info: (m) => logLines.push(m), warn: (m) => logLines.push(`WARN ${m}`) };
  const daemon = await startDaemonAsync({
    ...defaultDaemonOptions,
    port: 0,
    dataDir,
    logger,
    provider: 'cpu',
    ...options,
  });
  const token = await loadOrCreatePairingTokenAsync(dataDir);
  return {
    ...daemon,
    token,
    logLines,
    async stopAsync() {
      await daemon.closeAsync();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type HandshakeRefusal = { status: number; code: string | undefined };

/** Opens a socket; rejects with the HTTP status and X-Imagic-Error code when the handshake is refused. */
export function openSocketAsync(
  port: number,
  options: { origin?: string; host?: string; path?: string } = {},
): Promise<WebSocket> {
  const headers: Record<string, string> = options.host === undefined ? {} : { host: options.host };
  const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? WS_PATH}`, {
    headers,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => {
      const header = res.headers['x-imagic-error'];
      reject({
        status: res.statusCode ?? 0,
        code: Array.isArray(header) ? header[0] : header,
      } satisfies HandshakeRefusal);
      res.resume();
      socket.terminate();
    });
    socket.once('error', (err) => reject(err));
  });
}

/** Collects what the companion sends on one socket, in order: JSON messages and (decoded) binary frames apart. */
export class Inbox {
  private readonly messages: ServerMessage[] = [];
  private readonly waiters: Array<(m: ServerMessage) => void> = [];
  private readonly frames: BinaryFrame[] = [];
  private readonly frameWaiters: Array<(f: BinaryFrame) => void> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        const bytes = Array.isArray(data)
          ? Buffer.concat(data)
          : data instanceof ArrayBuffer
            ? new Uint8Array(data)
            : data;
        const frame = decodeBinaryFrame(bytes);
        if (!frame.ok) throw new Error(`the companion sent an invalid frame (${frame.code}): ${frame.message}`);
        const waiter = this.frameWaiters.shift();
        if (waiter) waiter(frame.value);
        else this.frames.push(frame.value);
        return;
      }
      const parsed = parseServerMessage(data.toString());
      if (!parsed.ok) throw new Error(`the companion sent an invalid message (${parsed.code}): ${parsed.message}`);
      const waiter = this.waiters.shift();
      if (waiter) waiter(parsed.value);
      else this.messages.push(parsed.value);
    });
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  nextAsync(timeoutMs = 5000): Promise<ServerMessage> {
    const queued = this.messages.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  nextFrameAsync(timeoutMs = 10_000): Promise<BinaryFrame> {
    const queued = this.frames.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no binary frame within ${timeoutMs} ms`)), timeoutMs);
      this.frameWaiters.push((f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
  }

  /** Reads messages until one matches; returns it and everything read before it. */
  async untilAsync<T extends ServerMessage>(
    match: (m: ServerMessage) => m is T,
    timeoutMs = 60_000,
  ): Promise<{ message: T; before: ServerMessage[] }> {
    const before: ServerMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.nextAsync(Math.max(1, deadline - Date.now()));
      if (match(message)) return { message, before };
      before.push(message);
    }
  }

  /**
   * Sends a request (adding `v`) and returns its reply: the first message carrying the request's id (or an
   * id-less `error`, the answer to an unreadable request). Job events that arrive first (a running job's
   * progress, a superseded re-render's job.error) stay queued, in order, for the next reads: taking "the next
   * message" as the reply made tests fail whenever a busy machine let such an event slip in ahead of it.
   */
  async requestAsync(body: Record<string, unknown>, timeoutMs = 5000): Promise<ServerMessage> {
    this.socket.send(JSON.stringify({ v: PROTOCOL_VERSION, ...body }));
    const skipped: ServerMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const message = await this.nextAsync(Math.max(1, deadline - Date.now()));
        const id = (message as { id?: string }).id;
        if (id === body.id || (message.type === 'error' && id === undefined)) return message;
        skipped.push(message);
      }
    } finally {
      this.messages.unshift(...skipped);
    }
  }
}

/** A paired socket, ready for requests. */
export async function pairAsync(daemon: { port: number; token: string }): Promise<Inbox> {
  const inbox = new Inbox(await openSocketAsync(daemon.port));
  const reply = await inbox.requestAsync({
    type: 'hello',
    id: 'h',
    client: 'cli',
    clientVersion: 'test',
    token: daemon.token,
  });
  if (reply.type !== 'hello.ok') throw new Error(`pairing failed: ${JSON.stringify(reply)}`);
  return inbox;
}
