// How responsive the companion's main thread is. perf_hooks' event-loop delay histogram is read and reset once a
// second; the last `windowS` one-second readings are kept. The histogram's samples include its own timer interval
// (an idle loop at resolution 10 ms reads ≈ 10 ms), so the resolution is subtracted: 0 means no lag at all. Over the window, p50 is the median of the per-second
// medians and p99 and max are the largest per-second values: an upper bound, never an optimistic merge.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { EventLoopLag } from '../../../shared/src/protocol/companion-info.ts';

type Reading = { p50Ms: number; p99Ms: number; maxMs: number };

const NS_PER_MS = 1e6;
const round = (ms: number) => Math.round(ms * 10) / 10;

export class EventLoopMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly readings: Reading[] = [];
  private readonly timer: ReturnType<typeof setInterval>;

  /** resolutionMs: the histogram's sampling timer; its delay is measured on top of it. */
  constructor(
    private readonly windowS = 30,
    private readonly resolutionMs = 10,
  ) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
    this.timer = setInterval(() => this.sample(), 1000);
    // Node's timers have unref (the DOM typings some test projects load do not say so).
    (this.timer as unknown as { unref?: () => void }).unref?.();
  }

  private reading(): Reading | undefined {
    const h = this.histogram;
    if (h.count === 0) return undefined;
    const lag = (ns: number) => Math.max(0, ns / NS_PER_MS - this.resolutionMs);
    return { p50Ms: lag(h.percentile(50)), p99Ms: lag(h.percentile(99)), maxMs: lag(h.max) };
  }

  private sample(): void {
    const reading = this.reading();
    if (reading) this.readings.push(reading);
    this.histogram.reset();
    if (this.readings.length > this.windowS) this.readings.splice(0, this.readings.length - this.windowS);
  }

  /** The window's figures, the current partial second included. */
  lag(): EventLoopLag {
    const current = this.reading();
    const all = current ? [...this.readings, current] : this.readings;
    if (all.length === 0) return { p50Ms: 0, p99Ms: 0, maxMs: 0, windowS: 0 };
    const medians = all.map((r) => r.p50Ms).sort((a, b) => a - b);
    return {
      p50Ms: round(medians[Math.floor(medians.length / 2)]!),
      p99Ms: round(Math.max(...all.map((r) => r.p99Ms))),
      maxMs: round(Math.max(...all.map((r) => r.maxMs))),
      windowS: all.length,
    };
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}
