import { describe, expect, it } from 'vitest';
import { PairingGuard } from './pairing-guard.ts';

describe('PairingGuard', () => {
  it('blocks after maxFailures within the window and unblocks when they age out', () => {
    let now = 0;
    const guard = new PairingGuard({ maxFailures: 3, windowMs: 1000, now: () => now });
    guard.recordFailure();
    now = 100;
    guard.recordFailure();
    expect(guard.isBlocked()).toBe(false);
    guard.recordFailure();
    expect(guard.isBlocked()).toBe(true);
    now = 1001;
    expect(guard.isBlocked()).toBe(false);
  });

  it('rejects nonsensical limits at construction', () => {
    expect(() => new PairingGuard({ maxFailures: 0, windowMs: 1000 })).toThrow(RangeError);
    expect(() => new PairingGuard({ maxFailures: 1, windowMs: 0 })).toThrow(RangeError);
  });
});
