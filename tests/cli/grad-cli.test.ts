// `imagic grad` through the real bin: the report contract, gradients against finite differences computed
// without the autodiff (plain forward sessions, loss in JS), and one coded line for each kind of bad input.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readModel } from '../../companion/src/onnx/model-file.ts';
import { normalizeModel } from '../../companion/src/graph/normalize.ts';
import { OrtSession } from '../../companion/src/runtime/ort-session.ts';
import { Rng } from '../../companion/src/util/rng.ts';
import { C_DIMS, X_DIMS, writeGradFixture } from './grad-fixture.ts';
import { runCli } from './run-cli.ts';

let dir: string;
let spec: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagic-grad-'));
  spec = await writeGradFixture(dir);
});

const f32 = async (file: string) => {
  const b = await readFile(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

async function withSpec(patch: (s: Record<string, unknown>) => Record<string, unknown>): Promise<string> {
  const path = join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(patch(structuredClone(spec))));
  return path;
}

describe('imagic grad', () => {
  it('writes report.json and gradients that match finite differences of the plain forward model', async () => {
    const out = join(dir, 'out');
    const res = await runCli(['grad', '--spec', join(dir, 'spec.json'), '--out', out]);
    expect(res.stderr).not.toMatch(/Error/);
    expect(res.code).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8'));
    expect(Object.keys(report).sort()).toEqual([
      'backward_ops',
      'estimated_peak_bytes',
      'gradients',
      'loss',
      'nodes_by_provider',
      'peak_rss_mb',
      'timing',
    ]);
    // Placement as the runtime reports it: the CPU provider runs every node of the loss+gradient session.
    expect(Object.keys(report.nodes_by_provider)).toEqual(['cpu']);
    expect(report.nodes_by_provider.cpu).toBeGreaterThan(
      Object.values(report.backward_ops as Record<string, number>).reduce((a, b) => a + b, 0) / 2,
    );
    // The estimate holds at least the feeds (x, context), and fp16 halves the float tensors (not the int64 shapes).
    const feedBytes = 4 * [X_DIMS, C_DIMS].reduce((s, d) => s + d.reduce((a, b) => a * b, 1), 0);
    expect(report.estimated_peak_bytes.fp32).toBeGreaterThan(feedBytes);
    expect(report.estimated_peak_bytes.fp16).toBeLessThan(report.estimated_peak_bytes.fp32);
    expect(report.estimated_peak_bytes.fp16).toBeGreaterThanOrEqual(report.estimated_peak_bytes.fp32 / 2);
    expect(report.timing.repeat).toBe(3);
    expect(report.timing.forward_ms).toBeGreaterThan(0);
    expect(report.timing.forward_backward_ms).toBeGreaterThan(0);
    expect(report.peak_rss_mb).toBeGreaterThan(10);
    expect(report.gradients.context.dims).toEqual(C_DIMS);
    expect(report.gradients['conv.weight'].dims).toEqual([4, 3, 3, 3]);
    // Standard ops only: every backward op is in the ai.onnx domain.
    expect(Object.keys(report.backward_ops).every((k) => k.startsWith('ai.onnx:'))).toBe(true);
    expect(report.backward_ops['ai.onnx:ConvTranspose']).toBe(1);

    const model = normalizeModel(await readModel(join(dir, 'm.onnx')), { inputShapes: { x: X_DIMS, context: C_DIMS } });
    const session = await OrtSession.create(model);
    const x = await f32(join(dir, 'x.bin'));
    const c = await f32(join(dir, 'c.bin'));
    const t = await f32(join(dir, 't.bin'));
    const loss = async (ctx: Float32Array) => {
      const y = (
        await session.run({
          x: { dtype: 'float32', dims: X_DIMS, data: x },
          context: { dtype: 'float32', dims: C_DIMS, data: ctx },
        })
      )['y']!.data as Float32Array;
      let s = 0;
      for (let i = 0; i < y.length; i++) s += (y[i]! - t[i]!) ** 2;
      return s / y.length;
    };
    expect(report.loss).toBeCloseTo(await loss(c), 5);
    const g = await f32(join(out, report.gradients.context.file));
    const rng = new Rng(3);
    for (let k = 0; k < 3; k++) {
      const v = rng.normalArray(c.length);
      const h = 1e-2;
      const plus = await loss(c.map((ci, i) => ci + h * v[i]!));
      const minus = await loss(c.map((ci, i) => ci - h * v[i]!));
      const numeric = (plus - minus) / (2 * h);
      const analytic = g.reduce((a, gi, i) => a + gi * v[i]!, 0);
      const norm = Math.sqrt(g.reduce((a, gi) => a + gi * gi, 0));
      expect(Math.abs(numeric - analytic) / Math.max(norm, Math.abs(numeric))).toBeLessThan(1e-2);
    }
    await session.release();
  });

  const badInputs: [string, (s: Record<string, unknown>) => Record<string, unknown>, string][] = [
    ['a missing model file', (s) => ({ ...s, model: 'nope.onnx' }), 'FILE_NOT_FOUND'],
    [
      'a missing tensor file',
      (s) => ({
        ...s,
        feeds: { ...(s['feeds'] as object), x: { dtype: 'float32', dims: X_DIMS, file: 'missing.bin' } },
      }),
      'FILE_NOT_FOUND',
    ],
    [
      'dims that disagree with the file size',
      (s) => ({
        ...s,
        feeds: { ...(s['feeds'] as object), x: { dtype: 'float32', dims: [1, 3, 8, 9], file: 'x.bin' } },
      }),
      'DIMS_MISMATCH',
    ],
    ['an unknown wrt name', (s) => ({ ...s, wrt: ['no_such_tensor'] }), 'UNKNOWN_TENSOR'],
    ['an unknown loss output', (s) => ({ ...s, loss: { ...(s['loss'] as object), output: 'z' } }), 'UNKNOWN_TENSOR'],
    ['an extra field', (s) => ({ ...s, learningRate: 3 }), 'INVALID_SPEC'],
    [
      'a bad dtype',
      (s) => ({
        ...s,
        loss: { ...(s['loss'] as object), target: { dtype: 'float99', dims: [1, 4, 5], file: 't.bin' } },
      }),
      'INVALID_SPEC',
    ],
  ];

  it.each(badInputs)('rejects %s with one coded line', async (_what, patch, code) => {
    const res = await runCli(['grad', '--spec', await withSpec(patch), '--out', join(dir, 'bad')]);
    expect(res.code).not.toBe(0);
    const lines = res.stderr.split('\n').filter((l) => l && !l.startsWith('npm warn'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${code}: `));
  });

  it('rejects malformed JSON and an op without a gradient rule', async () => {
    const bad = join(dir, 'broken.json');
    await writeFile(bad, '{"model": ');
    const r1 = await runCli(['grad', '--spec', bad, '--out', join(dir, 'bad')]);
    expect(r1.stderr.trim()).toMatch(/^INVALID_SPEC: /);
    const floorDir = join(dir, 'floor');
    await writeGradFixture(floorDir, { floorOp: true });
    const r2 = await runCli(['grad', '--spec', join(floorDir, 'spec.json'), '--out', join(dir, 'bad')]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr.trim()).toMatch(/^NO_GRADIENT_RULE: .*Floor.*node/);
  });
});
