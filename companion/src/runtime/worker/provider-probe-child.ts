// Child process of provider-probe.ts: times one small graph on the CPU provider, then on the provider in argv[2], and
// prints one JSON line per phase. It runs apart from the companion so that a GPU runtime's native start-up noise
// (Dawn's Vulkan warnings, the loader's XDG_RUNTIME_DIR complaint) and a slow software adapter stay out of it.
import { GraphBuilder } from '../../graph/graph-builder.ts';
import { fromNumbers } from '../../graph/tensor.ts';
import { OrtSession, quietRuntimeLogs, type Provider } from '../ort-session.ts';
import { PROBE_RUNS, PROBE_SIZE, type ProbeLine } from './provider-probe.ts';

const say = (line: ProbeLine) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** x·W·W·W·W with x and W of PROBE_SIZE²: ~1 GFLOP, enough that a GPU's dispatch overhead does not decide. */
function probeModel() {
  const b = new GraphBuilder({ opset: 17 });
  const n = PROBE_SIZE;
  const w = b.weight(
    'w',
    fromNumbers(
      'float32',
      [n, n],
      Array.from({ length: n * n }, (_, i) => ((i * 7919) % 13) / 13 - 0.5),
    ),
  );
  let h = b.input('x', 'float32', [n, n]);
  for (let i = 0; i < 4; i++) h = b.e.matmul(h, w);
  b.output(h, 'y');
  return b.model;
}

async function timeOn(provider: Provider, onReady?: () => void): Promise<number> {
  const session = await OrtSession.create(probeModel(), { provider, cpuFallback: provider === 'cpu', quiet: true });
  onReady?.();
  const feeds = {
    x: {
      dtype: 'float32' as const,
      dims: [PROBE_SIZE, PROBE_SIZE],
      data: new Float32Array(PROBE_SIZE * PROBE_SIZE).fill(0.01),
    },
  };
  await session.run(feeds);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < PROBE_RUNS; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    best = Math.min(best, performance.now() - t0);
  }
  await session.release();
  return best;
}

quietRuntimeLogs();
const provider = process.argv[2] as Provider;
try {
  say({ phase: 'cpu', ms: await timeOn('cpu') });
  say({ phase: 'gpu', ms: await timeOn(provider, () => say({ phase: 'ready' })) });
} catch (err) {
  say({ phase: 'error', message: err instanceof Error ? err.message : String(err) });
}
