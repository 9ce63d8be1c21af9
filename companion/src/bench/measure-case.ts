// One benchmark measurement, run in its own process so that its peak RSS is its own: load a UNet, build the graph
// the engine builds for the case (unet-graphs.ts), warm up, time N runs, print one JSON line with the times, the
// peak RSS, the estimated peak of live tensor bytes, where the runtime placed the nodes, and the bytes a step of the
// engine's loop moves between host and device. The training cases run as the training loop does (training-loop.ts):
// the first step feeds the parameters and moments from the host, every later one the outputs of the step before,
// kept by the session (on the GPU for WebGPU).
import { readModel } from '../onnx/model-file.ts';
import { normalizeModel } from '../graph/normalize.ts';
import { cloneModel } from '../autodiff/gradient-model.ts';
import { injectAdapters } from '../autodiff/adapters.ts';
import { numel } from '../graph/tensor.ts';
import type { Model } from '../graph/ir.ts';
import { estimatePeakBytes } from '../graph/live-bytes.ts';
import { KeptTensor, OrtSession, trainsLean, type NodesByProvider, type Provider } from '../runtime/ort-session.ts';
import type { Feeds, HostTensor } from '../runtime/host-tensor.ts';
import { adapterPatterns } from '../engine/adapter-targets.ts';
import { PRESETS } from '../engine/settings.ts';
import { adamScalars } from '../engine/adam.ts';
import {
  adapterTrainingStep,
  EMBEDDING_INPUT,
  embeddingTrainingStep,
  type AdapterSpec,
} from '../engine/unet-graphs.ts';
import { Rng } from '../util/rng.ts';
import { denoisingStepModel, guidanceTerms, STEP_INPUT, stepScalars } from '../engine/denoising-step.ts';
import { schedulers } from '../diffusion/schedulers/samplers.ts';
import { parseSchedulerConfig } from '../diffusion/schedulers/scheduler-config.ts';

/**
 * forward: one UNet pass (batch 1); forward-cfg: the guided pair as one batch-2 pass; sample-step: the engine's
 * sampling step around that pair (guidance and the sampler's update, its latent carried); stage1/stage2: the
 * training steps.
 */
export type CaseMode = 'forward' | 'forward-cfg' | 'sample-step' | 'stage1' | 'stage2';

export interface CaseResult {
  mode: CaseMode;
  median_ms: number;
  min_ms: number;
  build_ms: number;
  session_ms: number;
  peak_rss_mb: number;
  nodes: number;
  trainable: number;
  estimated_peak_bytes: { fp32: number; fp16: number };
  nodes_by_provider: NodesByProvider;
  /** Host feeds plus host outputs of one step of the engine's loop after its first (host↔device on a GPU provider). */
  host_device_bytes: number;
  /** The same for the loop's first step (a training stage's parameters and moments go up once). */
  first_step_bytes: number;
}

/** The engine's default adapters (the presets' rank, alpha and targets). */
export function defaultAdapterSpec(): AdapterSpec {
  const train = PRESETS.community.train;
  return { targets: adapterPatterns(train.adapterTargets), rank: train.adapterRank, alpha: train.adapterAlpha };
}

function randomFeeds(model: Model, rng: Rng): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  const scalars: Record<string, number> = adamScalars(1e-3, 1);
  for (const input of model.graph.inputs) {
    const dims = input.dims as number[];
    const n = numel(dims);
    if (input.name in scalars)
      feeds[input.name] = { dtype: 'float32', dims, data: Float32Array.of(scalars[input.name]!) };
    else if (input.name.startsWith('adam::')) feeds[input.name] = { dtype: 'float32', dims, data: new Float32Array(n) };
    else if (input.name === STEP_INPUT) {
      // A mid-run DDIM step at guidance 7.5 on SD's noise schedule.
      const scheduler = schedulers.ddim(
        parseSchedulerConfig({
          beta_schedule: 'scaled_linear',
          beta_start: 0.00085,
          beta_end: 0.012,
          num_train_timesteps: 1000,
        }),
      );
      scheduler.setTimesteps(20);
      feeds[input.name] = {
        dtype: 'float32',
        dims,
        data: stepScalars(scheduler.linearStep(10, false)!, guidanceTerms(7.5)),
      };
    } else if (input.name === 'timestep') {
      feeds[input.name] =
        input.dtype === 'int64'
          ? { dtype: 'int64', dims, data: BigInt64Array.from({ length: n }, () => 500n) }
          : { dtype: 'float32', dims, data: new Float32Array(n).fill(500) };
    } else {
      feeds[input.name] = {
        dtype: 'float32',
        dims,
        data: rng.normalArray(n, input.name.startsWith('lora::') ? 0.01 : 1),
      };
    }
  }
  return feeds;
}

interface Case {
  readonly model: Model;
  readonly trainable: number;
  /** Whether the engine would open it lean (trainsLean). */
  readonly lowMemory: boolean;
  /** A training step's loop-carried outputs → the inputs they feed. */
  readonly carried: ReadonlyMap<string, string>;
}

/** The case's graph as the engine builds it: the UNet, or a training stage's step (gradient and Adam update). */
function caseModel(source: Model, mode: CaseMode, inputShapes: Record<string, number[]>): Case {
  // forward-cfg gets a batch-2 UNet and its shapes from the caller (a static export bakes its batch into reshapes).
  if (mode === 'forward' || mode === 'forward-cfg')
    return { model: normalizeModel(source, { inputShapes }), trainable: 0, lowMemory: false, carried: new Map() };
  if (mode === 'sample-step')
    return { ...denoisingStepModel(normalizeModel(source, { inputShapes }), 'pair'), trainable: 0, lowMemory: false };
  const unet = normalizeModel(cloneModel(source), { inputShapes });
  const lowMemory = trainsLean(unet.graph);
  if (mode === 'stage1')
    return { ...embeddingTrainingStep(unet), trainable: numel(inputShapes['encoder_hidden_states']!), lowMemory };
  const layout = injectAdapters(unet, { ...defaultAdapterSpec(), mode: 'inputs' });
  const trainable = layout.adapters.reduce((s, a) => s + numel(a.down.dims) + numel(a.up.dims), 0);
  return { ...adapterTrainingStep(layout), trainable, lowMemory };
}

export async function measureCase(args: readonly string[]): Promise<void> {
  const [modelPath, mode, repeatText, shapesJson, provider = 'cpu'] = args as [
    string,
    CaseMode,
    string,
    string,
    Provider?,
  ];
  const repeat = Number(repeatText);
  const inputShapes = JSON.parse(shapesJson) as Record<string, number[]>;
  const rng = new Rng(1);
  const t0 = performance.now();
  const { model, trainable, lowMemory, carried } = caseModel(await readModel(modelPath), mode, inputShapes);
  const t1 = performance.now();
  const session = await OrtSession.create(model, {
    provider,
    recordPlacement: true,
    lowMemory,
    deviceOutputs: [...carried.keys()],
  });
  const t2 = performance.now();
  const feeds: Feeds = randomFeeds(model, rng);
  const keep = new Set(carried.keys());
  // Each step feeds the step before's carried outputs in place of the host values (training-loop.ts, stage-sample.ts);
  // sampling feeds embeddings uploaded once.
  const training = mode === 'stage1' || mode === 'stage2';
  const fixed = training ? {} : { [EMBEDDING_INPUT]: await KeptTensor.uploadAsync(feeds[EMBEDDING_INPUT]!, provider) };
  let state: Record<string, KeptTensor> = {};
  const step = async () => {
    const out = await session.runKeeping({ ...feeds, ...fixed, ...state }, undefined, keep);
    if (carried.size > 0) {
      for (const t of Object.values(state)) t.dispose();
      state = Object.fromEntries([...carried].map(([o, input]) => [input, out.kept[o]!]));
    }
    return out.hostBytes;
  };
  const firstStepBytes = await step();
  const placement = await session.placement();
  const times: number[] = [];
  let stepBytes = firstStepBytes;
  for (let i = 0; i < repeat; i++) {
    const s = performance.now();
    stepBytes = await step();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const result: CaseResult = {
    mode,
    median_ms: times[times.length >> 1]!,
    min_ms: times[0]!,
    build_ms: t1 - t0,
    session_ms: t2 - t1,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    nodes: model.graph.nodes.length,
    trainable,
    estimated_peak_bytes: {
      fp32: estimatePeakBytes(model.graph, 'fp32').peak,
      fp16: estimatePeakBytes(model.graph, 'fp16').peak,
    },
    nodes_by_provider: placement,
    host_device_bytes: stepBytes,
    first_step_bytes: firstStepBytes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
