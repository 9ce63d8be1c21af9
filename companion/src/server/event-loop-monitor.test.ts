import { describe, expect, it } from 'vitest';
import { EventLoopMonitor } from './event-loop-monitor.ts';

describe('EventLoopMonitor', () => {
  it('reports a blocked event loop in max and p99', async () => {
    const monitor = new EventLoopMonitor(30, 5);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const until = performance.now() + 150;
    while (performance.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lag = monitor.lag();
    monitor.close();
    expect(lag.maxMs).toBeGreaterThan(100);
    expect(lag.p99Ms).toBeGreaterThan(100);
    expect(lag.windowS).toBeGreaterThanOrEqual(1);
  });
});
