// Thousands of mutated messages and frames at the real daemon: every reply must be a valid protocol message, the
// daemon must not crash, and afterwards it must still pair and serve a fresh client.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/src/protocol/messages.ts';
import { Inbox, openSocketAsync, pairAsync, startTestDaemonAsync, type TestDaemon } from './support/daemon-harness.ts';
import { Mutator } from './support/fuzz-mutations.ts';

const MESSAGES = 4000;
const CHECK_EVERY = 50;

let daemon: TestDaemon;
beforeAll(async () => {
  // A high failure limit: mutated hellos fail pairing on purpose, and this test is not about the rate limit.
  daemon = await startTestDaemonAsync({ pairingMaxFailures: 1_000_000 });
});
afterAll(async () => daemon?.stopAsync());

describe('fuzzing the protocol', () => {
  it(`answers ${MESSAGES} mutated inputs with valid messages only, and keeps serving`, async () => {
    const mutator = new Mutator(20250131);
    let inbox = await pairAsync(daemon);
    let reconnects = 0;
    const codes = new Map<string, number>();
    let replies = 0;
    const count = (m: ServerMessage) => {
      replies++;
      if (m.type === 'error') codes.set(m.code, (codes.get(m.code) ?? 0) + 1);
    };

    for (let i = 0; i < MESSAGES; i++) {
      const input = mutator.next();
      if (inbox.socket.readyState !== inbox.socket.OPEN) {
        reconnects++;
        inbox = await pairAsync(daemon);
      }
      inbox.socket.send(input.data, { binary: input.kind === 'binary' });
      if (i % CHECK_EVERY !== CHECK_EVERY - 1) continue;
      // Liveness: a status request on the same socket (or a fresh one, if the fuzz input got it closed).
      if (inbox.socket.readyState !== inbox.socket.OPEN) continue;
      inbox.socket.send(JSON.stringify({ v: 1, type: 'status', id: `alive${i}` }));
      for (;;) {
        const m = await Promise.race([inbox.nextAsync(10_000), inbox.closed.then(() => null)]);
        if (m === null || (m.type === 'status.result' && m.id === `alive${i}`)) break;
        count(m);
      }
    }
    inbox.socket.close();
    // Nearly every input gets an answer (those sent while a refused socket was closing are lost with it).
    expect(replies).toBeGreaterThan(0.7 * MESSAGES);
    expect(codes.get('INVALID_FIELD')).toBeGreaterThan(100);
    expect(codes.get('INTERNAL')).toBeUndefined();
    expect(reconnects).toBeGreaterThan(0);

    const fresh = await pairAsync(daemon);
    expect(await fresh.requestAsync({ type: 'status', id: 'end' })).toMatchObject({ type: 'status.result', id: 'end' });
    fresh.socket.close();
    // Unpaired sockets get nowhere, however mangled the input.
    const stranger = new Inbox(await openSocketAsync(daemon.port));
    stranger.socket.send(JSON.stringify({ v: 1, type: 'queue.pause', id: 'p' }));
    expect(await stranger.nextAsync()).toMatchObject({ code: 'PAIRING_REQUIRED' });
  });
});
