import { describe, expect, it } from 'vitest';
import { retryDelayMs, transition, type ConnectionEvent, type ConnectionState } from './connection-state.ts';

const run = (events: ConnectionEvent[], from: ConnectionState = { status: 'idle' }) => events.reduce(transition, from);

describe('transition', () => {
  it('goes idle → connecting → pairing → ready', () => {
    expect(run([{ type: 'connect' }, { type: 'opened' }, { type: 'accepted', companionVersion: '1.0.0' }])).toEqual({
      status: 'ready',
      companionVersion: '1.0.0',
    });
  });

  it('waits and retries with a growing attempt count while the companion is unreachable', () => {
    const lost: ConnectionEvent = { type: 'lost', reason: 'refused', retryInMs: 500 };
    expect(run([{ type: 'connect' }, lost, { type: 'retry' }, lost, { type: 'retry' }])).toEqual({
      status: 'connecting',
      attempt: 3,
    });
  });

  it('restarts the backoff after losing a ready connection', () => {
    const ready = run([{ type: 'connect' }, { type: 'opened' }, { type: 'accepted', companionVersion: '1' }]);
    expect(transition(ready, { type: 'lost', reason: 'gone', retryInMs: 500 })).toMatchObject({
      status: 'waiting',
      attempt: 1,
    });
  });

  it('stays failed when the socket closes after a refusal, so the panel keeps the reason', () => {
    const failed = run([
      { type: 'connect' },
      { type: 'opened' },
      { type: 'refused', code: 'PAIRING_FAILED', message: 'wrong code' },
    ]);
    expect(transition(failed, { type: 'lost', reason: 'closed', retryInMs: 500 })).toBe(failed);
    expect(failed).toMatchObject({ status: 'failed', code: 'PAIRING_FAILED' });
  });

  it('ignores events that mean nothing in the current state', () => {
    const idle: ConnectionState = { status: 'idle' };
    expect(transition(idle, { type: 'opened' })).toBe(idle);
    expect(transition(idle, { type: 'accepted', companionVersion: '1' })).toBe(idle);
    const closed = run([{ type: 'connect' }, { type: 'close' }]);
    expect(transition(closed, { type: 'lost', reason: 'x', retryInMs: 1 })).toBe(closed);
    expect(transition(closed, { type: 'retry' })).toBe(closed);
  });

  it('can reconnect from failed and closed', () => {
    expect(transition({ status: 'failed', code: 'PAIRING_FAILED', message: '' }, { type: 'connect' })).toEqual({
      status: 'connecting',
      attempt: 1,
    });
    expect(transition({ status: 'closed' }, { type: 'connect' })).toEqual({ status: 'connecting', attempt: 1 });
  });
});

describe('retryDelayMs', () => {
  it('doubles from 500 ms and caps at 10 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((a) => retryDelayMs(a))).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});
