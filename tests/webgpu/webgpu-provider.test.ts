// The GPU path without a GPU: every graph the engine builds opens on onnxruntime's WebGPU provider with CPU fallback
// disabled (so no node can silently run on the host), the runtime places every node there, and outputs, losses and
// gradients equal the CPU provider's within 5e-4 relative (float32 sums in another order). WebGPU runs on SwiftShader
// here (support/swiftshader.ts); the checks run in child processes whose environment points Vulkan at it.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyPackage } from '../../companion/src/fixtures/tiny-package.ts';
import { writeGradFixture } from '../cli/grad-fixture.ts';
import { runCli } from '../cli/run-cli.ts';
import type { GraphComparison } from './support/compare-providers.ts';
import type { LoopsOnDevice } from './support/loops-on-device.ts';
import { skipWebGpuTests, swiftShaderEnvAsync } from './support/swiftshader.ts';

const skip = skipWebGpuTests();
const COMPARE = fileURLToPath(new URL('./support/compare-providers.ts', import.meta.url));
const LOOPS = fileURLToPath(new URL('./support/loops-on-device.ts', import.meta.url));
const PROBE = fileURLToPath(new URL('./support/probe-webgpu.ts', import.meta.url));
const TOLERANCE = 5e-4;

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'imagic-webgpu-'));
  env = await swiftShaderEnvAsync();
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  if (env?.['XDG_RUNTIME_DIR']) await rm(env['XDG_RUNTIME_DIR'], { recursive: true, force: true });
});

describe.skipIf(skip)('the WebGPU provider (SwiftShader)', () => {
  it(
    'runs every graph the engine builds wholly on the GPU, matching the CPU provider',
    { timeout: 300_000 },
    async () => {
      const pkg = await writeTinyPackage(join(dir, 'tiny'));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', COMPARE, pkg.dir], {
        env,
        maxBuffer: 64 << 20,
      });
      const results = JSON.parse(stdout) as GraphComparison[];
      const [control, ...graphs] = [results.at(-1)!, ...results.slice(0, -1)];
      expect(graphs.map((g) => g.graph)).toEqual([
        'text encoder',
        'VAE encoder',
        'VAE decoder',
        'stage 1 (training step: gradient wrt the text embedding, Adam)',
        'stage 2 (training step: gradients wrt the adapters, Adam)',
        'sampling step, adapters merged, guided pair',
        'sampling step, adapters scaled, one prediction',
        'stage 1, opset-17 UNet',
      ]);
      for (const g of graphs) {
        expect(g.error, g.graph).toBeUndefined();
        expect(Object.keys(g.placement), g.graph).toEqual(['webgpu']);
        expect(g.placement['webgpu'], g.graph).toBeGreaterThan(0);
        for (const [output, err] of Object.entries(g.relativeError))
          expect(err, `${g.graph}: ${output}`).toBeLessThanOrEqual(TOLERANCE);
      }
      // Stage 2's gradients were compared: the first moment after step 1 is 0.1 × every adapter matrix's gradient.
      expect(Object.keys(graphs[4]!.relativeError)).toEqual(
        expect.arrayContaining(['loss', 'next::adam::m', 'next::adam::v']),
      );
      // The check can fail: a node WebGPU has no kernel for refuses to open rather than running on the CPU.
      expect(control.error).toMatch(/fallback to CPU EP has been explicitly disabled/);
    },
  );

  it(
    'trains with the loop-carried state in GPU buffers (per step only the draw goes up and the loss comes down) and samples with the latent kept there too, as the CPU provider does',
    { timeout: 300_000 },
    async () => {
      const pkg = await writeTinyPackage(join(dir, 'tiny-loops'));
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', LOOPS, pkg.dir], {
        env,
        maxBuffer: 16 << 20,
      });
      const { stages, sampling } = JSON.parse(stdout) as LoopsOnDevice;
      expect(stages.map((s) => [s.stage, s.provider])).toEqual([
        ['embed', 'webgpu'],
        ['finetune', 'webgpu'],
      ]);
      for (const s of stages) {
        expect([s.webgpu.onDevice, s.cpu.onDevice], s.stage).toEqual([true, false]);
        // The draw (latent and target), the timestep, Adam's two scalars and the loss: 16 bytes besides the draw.
        expect(s.webgpu.hostBytes.perStep - s.drawBytes, s.stage).toBe(16);
        expect(s.webgpu.hostBytes, s.stage).toEqual(s.cpu.hostBytes);
        for (const e of s.lossError) expect(e, s.stage).toBeLessThanOrEqual(TOLERANCE);
        // Adam's update is about ±lr for every element whatever the gradient's size, so an element whose gradient is
        // near zero can step either way on the two providers: a handful of the 10⁵ adapter values may differ.
        expect(s.fractionApart, s.stage).toBeLessThanOrEqual(1e-3);
      }
      expect(stages[0]!.relativeError).toBeLessThanOrEqual(TOLERANCE);
      // Stage 2's first step sends the adapters and their moments, later steps nothing of them.
      expect(stages[1]!.webgpu.hostBytes.firstStep).toBeGreaterThan(100 * stages[1]!.webgpu.hostBytes.perStep);
      // Sampling keeps its latent on the GPU: per step only the step's 10 scalars and the timestep go up, nothing comes down.
      expect(sampling.onDevice).toEqual({ cpu: false, webgpu: true });
      expect(sampling.hostBytesPerStep.webgpu).toBeLessThan(100);
      expect(sampling.hostBytesPerStep.webgpu).toBeLessThan(sampling.latentBytes / 10);
      expect(sampling.hostBytesPerStep).toEqual({
        cpu: sampling.hostBytesPerStep.webgpu,
        webgpu: sampling.hostBytesPerStep.webgpu,
      });
      expect(sampling.relativeError).toBeLessThanOrEqual(TOLERANCE);
    },
  );

  it('imagic grad on webgpu reports every node on the GPU and the CPU gradients', { timeout: 120_000 }, async () => {
    const spec = await writeGradFixture(join(dir, 'grad'));
    await writeFile(join(dir, 'grad', 'gpu.json'), JSON.stringify({ ...spec, provider: 'webgpu' }));
    const gpu = await runCli(['grad', '--spec', join(dir, 'grad', 'gpu.json'), '--out', join(dir, 'gpu')], env);
    expect(gpu.code, gpu.stderr).toBe(0);
    const cpu = await runCli(['grad', '--spec', join(dir, 'grad', 'spec.json'), '--out', join(dir, 'cpu')]);
    expect(cpu.code, cpu.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'gpu', 'report.json'), 'utf8'));
    expect(Object.keys(report.nodes_by_provider)).toEqual(['webgpu']);
    const cpuReport = JSON.parse(await readFile(join(dir, 'cpu', 'report.json'), 'utf8'));
    expect(report.estimated_peak_bytes).toEqual(cpuReport.estimated_peak_bytes);
    for (const [name, { file }] of Object.entries(report.gradients as Record<string, { file: string }>)) {
      const [a, b] = await Promise.all([readFile(join(dir, 'gpu', file)), readFile(join(dir, 'cpu', file))]);
      const x = new Float32Array(a.buffer, a.byteOffset, a.byteLength / 4);
      const y = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      const scale = Math.max(...y.map(Math.abs));
      const diff = Math.max(...x.map((v, i) => Math.abs(v - y[i]!)));
      expect(diff / scale, name).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it(
    'auto never prefers a software adapter to the CPU, and keeps the native runtime quiet',
    { timeout: 120_000 },
    async () => {
      // As on a desktop session without XDG_RUNTIME_DIR (sudo, ssh): the loader would complain on stderr.
      const bare = { ...env };
      delete bare['XDG_RUNTIME_DIR'];
      const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', PROBE], { env: bare });
      const result = JSON.parse(stdout) as {
        usable: boolean;
        reason: string;
        detail: string;
        runtimeDir: string | null;
      };
      expect(result.usable).toBe(false);
      expect(result.reason).toMatch(/^webgpu is a software adapter or slower than the CPU provider \(.*MatMul probe/);
      expect(result.runtimeDir).toMatch(/imagic-runtime-/);
      // Nothing of the native runtime reaches the terminal; what it said is kept for the log.
      expect(stderr.split('\n').filter((l) => l && !l.startsWith('npm warn'))).toEqual([]);
      expect(result.detail).not.toMatch(/XDG_RUNTIME_DIR is invalid/);
    },
  );
});
