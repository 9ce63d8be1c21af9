// Child process of the WebGPU tier: the engine's loops on the package in argv[2], once on the CPU provider and once on
// WebGPU, from the same start and draws: both training stages (a few steps each, their loop-carried state in GPU
// buffers), then a short guided sampling run with the trained adapters (its latent kept in GPU buffers). Prints one
// JSON line: per stage, the trained values' difference between the providers, where the state stayed and the loop's
// host↔device bytes; for sampling, the images' difference, where the latent stayed and the loop's bytes per step.
import { initAdapterValues } from '../../../companion/src/autodiff/adapters.ts';
import { adapterPatterns } from '../../../companion/src/engine/adapter-targets.ts';
import { loadPackageAsync } from '../../../companion/src/engine/package-loader.ts';
import { SessionPool } from '../../../companion/src/engine/session-pool.ts';
import { PRESETS } from '../../../companion/src/engine/settings.ts';
import { sampleOneAsync } from '../../../companion/src/engine/stage-sample.ts';
import { trainAsync, type TrainingResult } from '../../../companion/src/engine/training-loop.ts';
import {
  adapterLayout,
  adapterTrainingSessionAsync,
  embeddingTrainingSessionAsync,
  EMBEDDING_INPUT,
  predictionsFor,
  samplingSessionAsync,
  type AdapterSpec,
} from '../../../companion/src/engine/unet-graphs.ts';
import type { Provider } from '../../../companion/src/runtime/ort-session.ts';
import { Rng } from '../../../companion/src/util/rng.ts';

export interface StageOnDevice {
  readonly stage: 'embed' | 'finetune';
  readonly provider: string;
  /** max |webgpu − cpu| / max |cpu| over the trained values. */
  readonly relativeError: number;
  /** Fraction of the trained values further apart than 5e-4 × max |cpu|. */
  readonly fractionApart: number;
  /** Per step, |loss_webgpu − loss_cpu| / loss_cpu. */
  readonly lossError: number[];
  /** Bytes of one draw's latent and target (fp32). */
  readonly drawBytes: number;
  readonly cpu: Omit<TrainingResult, 'losses'>;
  readonly webgpu: Omit<TrainingResult, 'losses'>;
}

export interface LoopsOnDevice {
  readonly stages: StageOnDevice[];
  readonly sampling: {
    /** max |webgpu − cpu| / max |cpu| over the decoded image. */
    readonly relativeError: number;
    /** Where the loop's latent stayed between steps, per provider. */
    readonly onDevice: { readonly cpu: boolean; readonly webgpu: boolean };
    /** Host↔device bytes per step, per provider. */
    readonly hostBytesPerStep: { readonly cpu: number; readonly webgpu: number };
    /** Bytes of one latent (fp32). */
    readonly latentBytes: number;
  };
}

const STEPS = 3;

interface Run {
  readonly provider: string;
  readonly drawBytes: number;
  readonly stages: { values: Float32Array; result: TrainingResult }[];
  readonly image: Float32Array;
  readonly loop: { readonly hostBytesPerStep: number; readonly onDevice: boolean };
}

async function loopsOn(provider: Provider, dir: string): Promise<Run> {
  const pool = new SessionPool({ provider });
  try {
    const pkg = await loadPackageAsync(dir, pool);
    const rng = new Rng(5);
    const z0 = rng.normalArray(pkg.latentDims.reduce((a, b) => a * b, 1));
    const embedding = rng.normalArray(
      pkg.unet.inputShapes[EMBEDDING_INPUT]!.reduce((a, b) => a * b, 1),
      0.5,
    );
    const common = { z0, scheduler: pkg.scheduler, steps: STEPS, seed: 1 };
    const stage1 = await embeddingTrainingSessionAsync(pkg, pool);
    const params1 = new Map([[EMBEDDING_INPUT, embedding.slice()]]);
    const r1 = await trainAsync({
      ...common,
      stage: 'embed',
      session: stage1.session,
      carried: stage1.carried,
      params: params1,
      fixed: new Map(),
      lr: 1e-2,
    });
    const train = PRESETS.community.train;
    const spec: AdapterSpec = {
      targets: adapterPatterns(train.adapterTargets),
      rank: train.adapterRank,
      alpha: train.adapterAlpha,
    };
    const layout = adapterLayout(pkg, spec);
    // Non-zero up matrices, so that every matrix moves from the first step.
    const params2 = new Map(
      [...initAdapterValues(layout.adapters, 1)].map(([name, v]) => [
        name,
        v.some((x) => x !== 0) ? v : rng.normalArray(v.length, 0.05),
      ]),
    );
    const stage2 = await adapterTrainingSessionAsync(pkg, pool, spec, layout);
    const r2 = await trainAsync({
      ...common,
      stage: 'finetune',
      session: stage2.session,
      carried: stage2.carried,
      params: params2,
      fixed: new Map([[EMBEDDING_INPUT, embedding]]),
      lr: 3e-3,
    });
    const flat = (m: ReadonlyMap<string, Float32Array>) => Float32Array.from([...m.values()].flatMap((v) => [...v]));

    const step = await samplingSessionAsync(
      pkg,
      pool,
      { spec, values: params2, mode: 'merged' },
      predictionsFor(pkg, 3),
    );
    const embeddings = {
      target: embedding,
      optimized: params1.get(EMBEDDING_INPUT)!,
      empty: rng.normalArray(embedding.length, 0.5),
    };
    // DPM-Solver++ for its second-order step, which reads the x0 the step before left on the device.
    const sample = { etas: [0.7], seeds: [1], steps: 3, guidanceScale: 3, sampler: 'dpmpp2m' as const };
    const image = await sampleOneAsync(pkg, step, embeddings, 0.7, 1, sample, {}, { done: 0, total: 3 });
    return {
      provider: pool.provider?.provider ?? 'none',
      drawBytes: 2 * 4 * z0.length,
      stages: [
        { values: flat(params1), result: r1 },
        { values: flat(params2), result: r2 },
      ],
      image: image.pixels,
      loop: image.loop,
    };
  } finally {
    await pool.closeAsync();
  }
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

function fractionApart(a: Float32Array, b: Float32Array): number {
  const scale = b.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  return a.filter((x, i) => Math.abs(x - b[i]!) > 5e-4 * scale).length / a.length;
}

const dir = process.argv[2]!;
const cpu = await loopsOn('cpu', dir);
const gpu = await loopsOn('webgpu', dir);
const stages: StageOnDevice[] = (['embed', 'finetune'] as const).map((stage, i) => {
  const { losses: _a, ...c } = cpu.stages[i]!.result;
  const { losses: _b, ...g } = gpu.stages[i]!.result;
  const [a, b] = [gpu.stages[i]!, cpu.stages[i]!];
  const lossError = a.result.losses.map((l, k) => Math.abs(l - b.result.losses[k]!) / b.result.losses[k]!);
  return {
    stage,
    provider: gpu.provider,
    relativeError: relativeError(a.values, b.values),
    fractionApart: fractionApart(a.values, b.values),
    lossError,
    drawBytes: gpu.drawBytes,
    cpu: c,
    webgpu: g,
  };
});
const out: LoopsOnDevice = {
  stages,
  sampling: {
    relativeError: relativeError(gpu.image, cpu.image),
    onDevice: { cpu: cpu.loop.onDevice, webgpu: gpu.loop.onDevice },
    hostBytesPerStep: { cpu: cpu.loop.hostBytesPerStep, webgpu: gpu.loop.hostBytesPerStep },
    latentBytes: cpu.drawBytes / 2,
  },
};
process.stdout.write(`${JSON.stringify(out)}\n`);
