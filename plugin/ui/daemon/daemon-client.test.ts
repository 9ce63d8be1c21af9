import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { serverMessageExamples } from '../../../shared/src/protocol/message-examples.ts';
import { DaemonClient, DaemonRequestError } from './daemon-client.ts';

/** A scriptable stand-in for the browser WebSocket: the test opens, feeds and drops it. */
class FakeSocket {
  binaryType = 'blob';
  sent: string[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;

  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { ...(code === undefined ? {} : { code }), ...(reason === undefined ? {} : { reason }) };
    this.onclose?.({ code: code ?? 1005, reason: reason ?? '' });
  }
  open(): void {
    this.onopen?.();
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }
  drop(): void {
    this.onclose?.({ code: 1006, reason: '' });
  }
  lastSent(): Record<string, unknown> {
    return JSON.parse(this.sent.at(-1) ?? 'null') as Record<string, unknown>;
  }
}

let sockets: FakeSocket[];
const newClient = () =>
  new DaemonClient({
    url: 'ws://localhost:7861/ws',
    token: 't'.repeat(43),
    client: 'figma',
    clientVersion: 'test',
    requestTimeoutMs: 1000,
    createSocket: () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
  });

/** Opens the latest socket and answers its hello. */
const pair = (socket: FakeSocket) => {
  socket.open();
  const hello = socket.lastSent();
  socket.receive({ v: 1, type: 'hello.ok', id: hello['id'], companionVersion: '9.9.9' });
};

beforeEach(() => {
  sockets = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('DaemonClient', () => {
  it('sends hello with the protocol version, client kind and token as its first message', () => {
    const client = newClient();
    client.connect();
    sockets[0]?.open();
    expect(sockets[0]?.lastSent()).toMatchObject({ v: 1, type: 'hello', client: 'figma', token: 't'.repeat(43) });
    expect(sockets[0]?.binaryType).toBe('arraybuffer');
    expect(client.state.status).toBe('pairing');
  });

  it('becomes ready on hello.ok and correlates replies by id', async () => {
    const client = newClient();
    client.connect();
    const socket = sockets[0] as FakeSocket;
    pair(socket);
    expect(client.state).toEqual({ status: 'ready', companionVersion: '9.9.9' });
    const reply = client.requestAsync({ type: 'status' });
    const { id } = socket.lastSent();
    socket.receive({ ...serverMessageExamples['status.result'], id });
    await expect(reply).resolves.toMatchObject({ type: 'status.result', id });
  });

  it('passes messages that answer no request to event listeners, and reports invalid ones as local errors', () => {
    const client = newClient();
    const events: unknown[] = [];
    client.onEvent((m) => events.push(m));
    client.connect();
    pair(sockets[0] as FakeSocket);
    sockets[0]?.receive(serverMessageExamples['job.progress']);
    sockets[0]?.receive('{nope');
    expect(events).toEqual([
      serverMessageExamples['job.progress'],
      expect.objectContaining({ type: 'error', code: 'MALFORMED_MESSAGE' }),
    ]);
  });

  it('rejects requests with TIMEOUT when no reply comes', async () => {
    const client = newClient();
    client.connect();
    pair(sockets[0] as FakeSocket);
    const reply = client.requestAsync({ type: 'status' });
    vi.advanceTimersByTime(1001);
    await expect(reply).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('refuses requests while not ready instead of queueing them', async () => {
    const client = newClient();
    await expect(client.requestAsync({ type: 'status' })).rejects.toBeInstanceOf(DaemonRequestError);
  });

  it('retries with growing delays while the companion is down, then rejects pending requests when a ready link drops', async () => {
    const client = newClient();
    client.connect();
    sockets[0]?.drop();
    expect(client.state).toMatchObject({ status: 'waiting', attempt: 1, retryInMs: 500 });
    vi.advanceTimersByTime(500);
    expect(sockets).toHaveLength(2);
    sockets[1]?.drop();
    expect(client.state).toMatchObject({ status: 'waiting', attempt: 2, retryInMs: 1000 });
    vi.advanceTimersByTime(1000);
    pair(sockets[2] as FakeSocket);
    const pending = client.requestAsync({ type: 'status' });
    sockets[2]?.drop();
    await expect(pending).rejects.toMatchObject({ code: 'COMPANION_UNREACHABLE' });
    expect(client.state).toMatchObject({ status: 'waiting', attempt: 1 });
  });

  it('stops in failed on a refused pairing and does not retry', () => {
    const client = newClient();
    client.connect();
    const socket = sockets[0] as FakeSocket;
    socket.open();
    socket.receive({ v: 1, type: 'error', id: socket.lastSent()['id'], code: 'PAIRING_FAILED', message: 'wrong code' });
    return Promise.resolve().then(() => {
      expect(client.state).toMatchObject({ status: 'failed', code: 'PAIRING_FAILED' });
      vi.advanceTimersByTime(60_000);
      expect(sockets).toHaveLength(1);
    });
  });

  it('stops retrying once closed', () => {
    const client = newClient();
    client.connect();
    sockets[0]?.drop();
    client.close();
    vi.advanceTimersByTime(60_000);
    expect(sockets).toHaveLength(1);
    expect(client.state.status).toBe('closed');
  });
});
