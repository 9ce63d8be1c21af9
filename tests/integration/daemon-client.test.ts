// The plugin UI's DaemonClient against the real companion: the same code that runs in Figma's iframe, with the
// `ws` package standing in for the browser's WebSocket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WS_PATH } from '../../shared/src/protocol/defaults.ts';
import type { ConnectionState } from '../../plugin/ui/daemon/connection-state.ts';
import { DaemonClient, DaemonRequestError } from '../../plugin/ui/daemon/daemon-client.ts';
import { startTestDaemonAsync, type TestDaemon } from './support/daemon-harness.ts';

let daemon: TestDaemon;
beforeAll(async () => {
  daemon = await startTestDaemonAsync();
});
afterAll(async () => daemon.stopAsync());

// ws's client implements the browser WebSocket's on*/binaryType/send/close surface the client uses; the DOM type
// also has members ws lacks, hence the cast. Origin "null" is what Figma's iframe sends.
const nodeSocket = (url: string) => new WebSocket(url, { origin: 'null' }) as unknown as globalThis.WebSocket;

const clientFor = (token: string) =>
  new DaemonClient({
    url: `ws://localhost:${daemon.port}${WS_PATH}`,
    token,
    client: 'figma',
    clientVersion: 'test',
    createSocket: nodeSocket,
    autoReconnect: false,
  });

const untilState = (client: DaemonClient, status: ConnectionState['status']) =>
  new Promise<ConnectionState>((resolve) => {
    if (client.state.status === status) return resolve(client.state);
    const off = client.onStateChange((state) => {
      if (state.status !== status) return;
      off();
      resolve(state);
    });
  });

describe('DaemonClient against the companion', () => {
  it('pairs, becomes ready and gets status through requestAsync', async () => {
    const client = clientFor(daemon.token);
    const seen: string[] = [];
    client.onStateChange((state) => seen.push(state.status));
    client.connect();
    await untilState(client, 'ready');
    expect(seen).toEqual(['connecting', 'pairing', 'ready']);
    const reply = await client.requestAsync({ type: 'status' });
    expect(reply).toMatchObject({ type: 'status.result', model: { state: 'none' } });
    client.close();
  });

  it('rejects an error reply with its code', async () => {
    const client = clientFor(daemon.token);
    client.connect();
    await untilState(client, 'ready');
    await expect(client.requestAsync({ type: 'job.cancel', jobId: '0'.repeat(32) })).rejects.toMatchObject({
      code: 'JOB_NOT_FOUND',
    });
    await expect(client.requestAsync({ type: 'edit.delete', editId: '0'.repeat(32) })).rejects.toBeInstanceOf(
      DaemonRequestError,
    );
    client.close();
  });

  it('ends in failed with PAIRING_FAILED on a wrong code and does not retry', async () => {
    const client = clientFor('z'.repeat(43));
    client.connect();
    expect(await untilState(client, 'failed')).toMatchObject({ code: 'PAIRING_FAILED' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.state.status).toBe('failed');
  });

  it('waits to retry when nothing listens on the port', async () => {
    const client = new DaemonClient({
      url: `ws://localhost:1${WS_PATH}`,
      token: daemon.token,
      client: 'figma',
      clientVersion: 'test',
      createSocket: nodeSocket,
    });
    client.connect();
    expect(await untilState(client, 'waiting')).toMatchObject({ attempt: 1, retryInMs: 500 });
    client.close();
    expect(client.state.status).toBe('closed');
  });
});
