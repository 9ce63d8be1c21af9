// Child process of the WebGPU tier (its environment points the Vulkan loader at a software driver, which must be set
// before the process starts). Builds every graph the engine opens for the package in argv[2], runs each on the CPU
// provider and on the WebGPU provider with CPU fallback disabled, on the same random feeds, and prints one JSON line:
// per graph, where the runtime placed its nodes and the largest relative difference of each output.
import { join } from 'node:path';
import { adapterPatterns } from '../../../companion/src/engine/adapter-targets.ts';
import { loadPackageAsync } from '../../../companion/src/engine/package-loader.ts';
import { PRESETS } from '../../../companion/src/engine/settings.ts';
import { SessionPool } from '../../../companion/src/engine/session-pool.ts';
import {
  adapterLayout,
  adapterTrainingStep,
  EMBEDDING_INPUT,
  embeddingTrainingStep,
  samplingModel,
  type AdapterSpec,
} from '../../../companion/src/engine/unet-graphs.ts';
import { denoisingStepModel, STEP_INPUT } from '../../../companion/src/engine/denoising-step.ts';
import { adamScalars, carriedOutputName, type TrainingStep } from '../../../companion/src/engine/adam.ts';
import { initAdapterValues } from '../../../companion/src/autodiff/adapters.ts';
import { GraphBuilder } from '../../../companion/src/graph/graph-builder.ts';
import { buildUNet } from '../../../companion/src/model-builder/unet.ts';
import { tinyUNetConfig, unetInputShapes } from '../../../companion/src/model-builder/unet-config.ts';
import { normalizeModel } from '../../../companion/src/graph/normalize.ts';
import { cloneModel } from '../../../companion/src/autodiff/gradient-model.ts';
import type { Model } from '../../../companion/src/graph/ir.ts';
import { serializeModel } from '../../../companion/src/onnx/model-file.ts';
import type { HostTensor } from '../../../companion/src/runtime/host-tensor.ts';
import {
  OrtSession,
  type NodesByProvider,
  type SessionOptions,
  type TensorInfo,
} from '../../../companion/src/runtime/ort-session.ts';
import { Rng } from '../../../companion/src/util/rng.ts';

export interface GraphComparison {
  readonly graph: string;
  readonly placement: NodesByProvider;
  /** Output name → max |webgpu − cpu| / max |cpu|. */
  readonly relativeError: Record<string, number>;
  readonly error?: string;
}

type Open = (options: SessionOptions) => Promise<OrtSession>;

/**
 * A training step's first-step Adam inputs: zero moments, so that its `next::adam::m::<p>` outputs are 0.1 × the
 * gradients themselves (compared at full scale, not hidden under a random moment), and step 1's scalars.
 */
function adamFeed(name: string, n: number): Float32Array {
  const scalars: Record<string, number> = adamScalars(1e-2, 1);
  return name in scalars ? Float32Array.of(scalars[name]!) : new Float32Array(n);
}

/** Random feeds for a session's inputs: normals for floats, small ids for integers, a mid timestep. */
function randomFeeds(inputs: readonly TensorInfo[], rng: Rng): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  for (const input of inputs) {
    const dims = input.dims.map((d) => (typeof d === 'number' ? d : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    if (input.name.startsWith('adam::')) {
      feeds[input.name] = { dtype: 'float32', dims, data: adamFeed(input.name, n) };
    } else if (input.name === STEP_INPUT) {
      // A DDIM-like update with guidance 3 and no clip (an infinite bound, as the engine feeds it).
      feeds[input.name] = {
        dtype: 'float32',
        dims,
        data: Float32Array.of(1, 1.2, -0.4, Infinity, 0, 0.3, 0.9, 0.2, -2, 3),
      };
    } else if (input.dtype === 'float32') {
      // Adapter matrices at a trained adapter's scale: at 0.5 every layer's branch would dominate its layer, and the
      // UNet's output would hang on float rounding (two CPU sessions then differ by 6e-4, at 0.05 by 5e-6).
      const scale = input.name.startsWith('lora::') ? 0.05 : 0.5;
      const value =
        input.name === 'timestep'
          ? Float32Array.of(500)
          : input.name === 'adapter_scale'
            ? Float32Array.of(0.6)
            : rng.normalArray(n, scale);
      feeds[input.name] = { dtype: 'float32', dims, data: value };
    } else if (input.dtype === 'int64') {
      feeds[input.name] = {
        dtype: 'int64',
        dims,
        data: BigInt64Array.from({ length: n }, (_, i) => BigInt(input.name === 'timestep' ? 500 : (i * 7) % 100)),
      };
    } else if (input.dtype === 'int32') {
      feeds[input.name] = {
        dtype: 'int32',
        dims,
        data: Int32Array.from({ length: n }, (_, i) => (input.name === 'timestep' ? 500 : (i * 7) % 100)),
      };
    } else {
      throw new Error(`no random feed for ${input.name}: ${input.dtype}`);
    }
  }
  return feeds;
}

function relativeError(gpu: HostTensor, cpu: HostTensor): number {
  const a = gpu.data as Float32Array;
  const b = cpu.data as Float32Array;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** A graph to compare, and the outputs left out of the comparison. */
type Case = readonly [graph: string, open: Open, skip?: ReadonlySet<string>];

async function compare([graph, open, skip = new Set()]: Case): Promise<GraphComparison> {
  const cpu = await open({ provider: 'cpu' });
  let gpu: OrtSession;
  try {
    gpu = await open({ provider: 'webgpu', cpuFallback: false, recordPlacement: true, quiet: true });
  } catch (err) {
    await cpu.release();
    return { graph, placement: {}, relativeError: {}, error: err instanceof Error ? err.message : String(err) };
  }
  const feeds = randomFeeds(cpu.inputMetadata, new Rng(7));
  const expected = await cpu.run(feeds);
  const actual = await gpu.run(feeds);
  const placement = await gpu.placement();
  const errors: Record<string, number> = {};
  for (const name of Object.keys(expected))
    if (expected[name]!.dtype === 'float32' && !skip.has(name))
      errors[name] = relativeError(actual[name]!, expected[name]!);
  await cpu.release();
  await gpu.release();
  return { graph, placement, relativeError: errors };
}

/** The control: a variadic Sum, which the WebGPU provider has no kernel for, must fail to open without CPU fallback. */
function sumModel(): Model {
  const b = new GraphBuilder({ opset: 17 });
  const xs = ['a', 'b', 'c'].map((name) => b.input(name, 'float32', [4]));
  b.output(b.e.op1('Sum', xs), 'y');
  return b.model;
}

function opset17UNet(): Model {
  const config = tinyUNetConfig({ opset: 17 });
  return normalizeModel(cloneModel(buildUNet(config).model), { inputShapes: unetInputShapes(config) });
}

const fromModel =
  (model: Model): Open =>
  (options) =>
    OrtSession.createFromBytes(serializeModel(model), model.baseDir, options);

/**
 * A training step, its updated parameters left out: Adam's first step moves each element by ±lr whatever its
 * gradient's size, so an element with a near-zero gradient may step either way on the two providers. The first
 * moment beside them is 0.1 × the gradients themselves (from zero moments) and is compared.
 */
const trainingCase = (graph: string, step: TrainingStep, params: readonly string[]): Case => [
  graph,
  fromModel(step.model),
  new Set(params.map(carriedOutputName)),
];

const fromFile =
  (path: string): Open =>
  (options) =>
    OrtSession.createFromFile(path, options);

async function main(dir: string): Promise<GraphComparison[]> {
  const pool = new SessionPool({ provider: 'cpu' });
  const pkg = await loadPackageAsync(dir, pool);
  await pool.closeAsync();
  // The engine's adapters as the default preset sets them, with random (not zero-initialised) up matrices so that
  // every adapter gradient is non-zero.
  const train = PRESETS.community.train;
  const spec: AdapterSpec = {
    targets: adapterPatterns(train.adapterTargets),
    rank: train.adapterRank,
    alpha: train.adapterAlpha,
  };
  const layout = adapterLayout(pkg, spec);
  const rng = new Rng(3);
  const values = new Map(
    [...initAdapterValues(layout.adapters, 1)].map(([name, v]) => [name, rng.normalArray(v.length, 0.05)]),
  );
  const graphs: Case[] = [
    ['text encoder', fromFile(join(dir, 'text_encoder/model.onnx'))],
    ['VAE encoder', fromFile(join(dir, 'vae_encoder/model.onnx'))],
    ['VAE decoder', fromFile(join(dir, 'vae_decoder/model.onnx'))],
    trainingCase(
      'stage 1 (training step: gradient wrt the text embedding, Adam)',
      embeddingTrainingStep(pkg.unet.model),
      [EMBEDDING_INPUT],
    ),
    trainingCase(
      'stage 2 (training step: gradients wrt the adapters, Adam)',
      adapterTrainingStep(layout),
      layout.adapters.flatMap((a) => [a.down.name, a.up.name]),
    ),
    // The sampling step as the engine builds it for this (fixed-batch) export: the guided pair as two UNet copies.
    [
      'sampling step, adapters merged, guided pair',
      fromModel(denoisingStepModel(samplingModel(pkg.unet.model, spec, values, 'merged'), 'twice').model),
    ],
    [
      'sampling step, adapters scaled, one prediction',
      fromModel(denoisingStepModel(samplingModel(pkg.unet.model, spec, values, 'scaled'), 'single').model),
    ],
    // Exports at opset 17 keep LayerNormalization as one op (at 14 it is decomposed, as in the package above).
    trainingCase('stage 1, opset-17 UNet', embeddingTrainingStep(opset17UNet()), [EMBEDDING_INPUT]),
    ['control: a variadic Sum', fromModel(sumModel())],
  ];
  const results: GraphComparison[] = [];
  for (const c of graphs) results.push(await compare(c));
  return results;
}

process.stdout.write(`${JSON.stringify(await main(process.argv[2]!))}\n`);
