// Sessions in the worker thread: results come back typed, coded errors keep their code across the thread boundary,
// the main thread's event loop keeps running during a run, and the auto provider choice always lands somewhere.
import { describe, expect, it } from 'vitest';
import { intAttr } from '../../graph/ir.ts';
import { fromNumbers } from '../../graph/tensor.ts';
import { GraphBuilder } from '../../graph/graph-builder.ts';
import { serializeModel } from '../../onnx/model-file.ts';
import { PROVIDERS, openWithProviderAsync } from './provider-choice.ts';
import { SessionHost } from './session-host.ts';

/** y = softmax(x·W) repeated, big enough that one run takes a while on CPU. */
function model(size: number, depth: number): Uint8Array {
  const b = new GraphBuilder({ opset: 14 });
  let h = b.input('x', 'float32', [size, size]);
  const w = b.weight(
    'w',
    fromNumbers(
      'float32',
      [size, size],
      Array.from({ length: size * size }, (_, i) => ((i % 7) - 3) / size),
    ),
  );
  for (let i = 0; i < depth; i++) h = b.e.op1('Softmax', [b.e.matmul(h, w)], { axis: intAttr(-1) });
  b.output(h, 'y');
  return serializeModel(b.model);
}

describe('SessionHost', () => {
  it('runs a session in the worker and moves results back', async () => {
    const host = new SessionHost();
    try {
      const session = await host.openAsync({ kind: 'bytes', bytes: model(4, 1) }, { provider: 'cpu' });
      expect(session.inputs).toEqual([{ name: 'x', dtype: 'float32', dims: [4, 4] }]);
      const x = new Float32Array(16).fill(1);
      const { y } = await session.runAsync({ x: { dtype: 'float32', dims: [4, 4], data: x } }, ['y'], {
        transfer: true,
      });
      expect(y!.dims).toEqual([4, 4]);
      expect((y!.data as Float32Array).reduce((s, v) => s + v, 0)).toBeCloseTo(4, 5);
      // Moved, not copied: the caller's array is detached.
      expect(x.length).toBe(0);
      await session.releaseAsync();
    } finally {
      await host.closeAsync();
    }
  });

  it('refuses a feed an earlier run moved to the worker, instead of never answering', async () => {
    const host = new SessionHost();
    try {
      const session = await host.openAsync({ kind: 'bytes', bytes: model(4, 1) }, { provider: 'cpu' });
      const x = { dtype: 'float32' as const, dims: [4, 4], data: new Float32Array(16).fill(1) };
      await session.runKeepingAsync({ x }, []);
      expect(x.data.length).toBe(0);
      await expect(session.runKeepingAsync({ x }, [])).rejects.toThrow(/feed 'x' has 0 values .* moved/);
      await expect(session.runAsync({ x })).rejects.toMatchObject({ code: 'INTERNAL' });
    } finally {
      await host.closeAsync();
    }
  });

  it('keeps the error code of a failure inside the worker', async () => {
    const host = new SessionHost();
    try {
      const session = await host.openAsync({ kind: 'bytes', bytes: model(4, 1) }, { provider: 'cpu' });
      await expect(
        session.runAsync({ x: { dtype: 'float32', dims: [2, 2], data: new Float32Array(4) } }),
      ).rejects.toMatchObject({ name: 'ImagicError', code: 'RUNTIME_FAILED' });
      await expect(
        host.openAsync({ kind: 'bytes', bytes: new Uint8Array([1, 2, 3]) }, { provider: 'cpu' }),
      ).rejects.toMatchObject({ code: 'RUNTIME_FAILED' });
    } finally {
      await host.closeAsync();
    }
  });

  it('does not block the main thread’s event loop while a session runs', async () => {
    const host = new SessionHost();
    try {
      const session = await host.openAsync({ kind: 'bytes', bytes: model(256, 40) }, { provider: 'cpu' });
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const started = performance.now();
      for (let i = 0; i < 5; i++)
        await session.runAsync({
          x: { dtype: 'float32', dims: [256, 256], data: new Float32Array(256 * 256).fill(0.01) },
        });
      const elapsed = performance.now() - started;
      clearInterval(timer);
      // A blocked loop would tick about once per run; a free one about once per millisecond.
      expect(ticks).toBeGreaterThan(Math.min(20, elapsed / 10));
    } finally {
      await host.closeAsync();
    }
  });

  it('lands on a working provider with a reason when choosing automatically', async () => {
    const host = new SessionHost();
    try {
      const { session, report } = await openWithProviderAsync(
        host,
        () => ({ kind: 'bytes', bytes: model(4, 1) }),
        'auto',
      );
      expect(PROVIDERS).toContain(report.provider);
      expect(session.provider).toBe(report.provider);
      expect(report.reason).toMatch(/^auto: first working provider of .*cpu/);
    } finally {
      await host.closeAsync();
    }
  });
});
