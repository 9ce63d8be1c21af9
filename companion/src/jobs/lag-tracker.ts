// Event-loop lag over one stretch of work (a job), from a perf_hooks histogram of its own: the job record keeps
// it, so every job shows whether the daemon stayed responsive while it ran (and `npm run bench -- daemon` reads it).
import { monitorEventLoopDelay } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const NS_PER_MS = 1e6;

export type LagFigures = { lagP50Ms: number; lagP99Ms: number; lagMaxMs: number };

/** Starts measuring; the returned function stops (once; later calls repeat the figures) and reports them in ms. */
export function trackEventLoopLag(): () => LagFigures {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let figures: LagFigures | undefined;
  return () => {
    if (figures) return figures;
    histogram.disable();
    const lag = (ns: number) =>
      histogram.count === 0 ? 0 : Math.round(Math.max(0, ns / NS_PER_MS - RESOLUTION_MS) * 10) / 10;
    figures = {
      lagP50Ms: lag(histogram.percentile(50)),
      lagP99Ms: lag(histogram.percentile(99)),
      lagMaxMs: lag(histogram.max),
    };
    return figures;
  };
}
