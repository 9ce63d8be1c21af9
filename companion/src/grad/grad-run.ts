// `imagic grad`: loss and gradients of an ONNX model through the in-graph autodiff, plus the timing census the
// issue's report.json asks for. Plain forward and forward+backward are timed in the same run (median of N).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildGradientModel } from '../autodiff/gradient-model.ts';
import { cloneModel } from '../autodiff/gradient-model.ts';
import { normalizeModel } from '../graph/normalize.ts';
import { numel, tensorBytes } from '../graph/tensor.ts';
import { fromHalf, toHalf } from '../graph/half.ts';
import type { Model } from '../graph/ir.ts';
import { readModel } from '../onnx/model-file.ts';
import { OrtSession, trainsLean, type NodesByProvider, type Provider } from '../runtime/ort-session.ts';
import { estimatePeakBytes } from '../graph/live-bytes.ts';
import type { Feeds, HostTensor } from '../runtime/host-tensor.ts';
import { fail } from '../errors.ts';
import { loadGradSpec } from './grad-spec.ts';

export interface GradReport {
  loss: number;
  gradients: Record<string, { dims: number[]; file: string }>;
  timing: { repeat: number; forward_ms: number; forward_backward_ms: number };
  backward_ops: Record<string, number>;
  peak_rss_mb: number;
  /** Nodes of the loss+gradient session per provider, as the runtime placed them. */
  nodes_by_provider: NodesByProvider;
  /** Peak of live tensor bytes over the graph's order, weights included (graph/live-bytes.ts), in fp32 and as if fp16. */
  estimated_peak_bytes: { fp32: number; fp16: number };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Converts a feed to the dtype a session declares (fp16 trainable inputs become fp32 in the gradient graph). */
function coerce(t: HostTensor, dtype: HostTensor['dtype']): HostTensor {
  if (t.dtype === dtype) return t;
  if (t.dtype === 'float16' && dtype === 'float32')
    return { dtype, dims: t.dims, data: Float32Array.from(t.data as Uint16Array, fromHalf) };
  if (t.dtype === 'float32' && dtype === 'float16')
    return { dtype, dims: t.dims, data: Uint16Array.from(t.data as Float32Array, toHalf) };
  return fail('DIMS_MISMATCH', `a ${t.dtype} tensor was given where the model expects ${dtype}`);
}

function feedsFor(model: Model, feeds: Feeds): Feeds {
  const out: Record<string, HostTensor> = {};
  for (const input of model.graph.inputs) {
    const t = feeds[input.name] ?? fail('INVALID_SPEC', `no feed for model input '${input.name}'; add it to "feeds"`);
    out[input.name] = coerce(t, input.dtype);
  }
  return out;
}

async function timeRuns(
  session: OrtSession,
  feeds: Feeds,
  repeat: number,
  afterWarmUp?: () => Promise<void>,
): Promise<{ ms: number; last: Record<string, HostTensor> }> {
  let last = await session.run(feeds); // warm-up: first runs pay for allocation and kernel selection
  await afterWarmUp?.();
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    last = await session.run(feeds);
    times.push(performance.now() - t0);
  }
  return { ms: median(times), last };
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

const fileNameFor = (name: string): string => `grad_${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.bin`;

export async function runGrad(specPath: string, outDir: string): Promise<GradReport> {
  const { spec, modelPath, feeds, target } = await loadGradSpec(specPath);
  const source = await readModel(modelPath);
  const inputNames = new Set(source.graph.inputs.map((i) => i.name));
  for (const name of Object.keys(feeds)) {
    if (!inputNames.has(name))
      fail('UNKNOWN_TENSOR', `feed '${name}' is not a model input; inputs are: ${[...inputNames].join(', ')}`);
  }
  const inputShapes = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims]));
  const built = buildGradientModel(source, {
    loss: { type: 'mse', output: spec.loss.output },
    wrt: spec.wrt,
    inputShapes,
  });
  const outDims = built.model.graph.types.get(built.targetInput)!.dims;
  if (
    numel(outDims) !== numel(target.dims) ||
    outDims.length !== target.dims.length ||
    outDims.some((d, i) => d !== target.dims[i])
  ) {
    fail(
      'DIMS_MISMATCH',
      `loss target dims [${target.dims.join(',')}] differ from output '${spec.loss.output}' dims [${outDims.join(',')}]`,
    );
  }
  const forwardModel = normalizeModel(cloneModel(source), { inputShapes });
  const provider = spec.provider as Provider;
  const forward = await OrtSession.create(forwardModel, { provider });
  const fwd = await timeRuns(forward, feedsFor(forwardModel, feeds), spec.repeat);
  await forward.release();

  const trainer = await OrtSession.create(built.model, {
    provider,
    recordPlacement: true,
    lowMemory: trainsLean(forwardModel.graph),
  });
  let placement: NodesByProvider = {};
  const run = await timeRuns(
    trainer,
    feedsFor(built.model, { ...feeds, [built.targetInput]: coerce(target, 'float32') }),
    spec.repeat,
    async () => {
      placement = await trainer.placement();
    },
  );
  await trainer.release();

  await mkdir(outDir, { recursive: true });
  const gradients: GradReport['gradients'] = {};
  for (const [name, output] of built.gradOutputs) {
    const t = run.last[output]!;
    const file = fileNameFor(name);
    await writeAtomic(join(outDir, file), tensorBytes({ dtype: 'float32', dims: t.dims, data: t.data }));
    gradients[name] = { dims: [...t.dims], file };
  }
  const backwardOps: Record<string, number> = {};
  for (const n of built.model.graph.nodes) {
    if (!n.name.startsWith('grad/')) continue;
    const key = `${n.domain || 'ai.onnx'}:${n.opType}`;
    backwardOps[key] = (backwardOps[key] ?? 0) + 1;
  }
  const report: GradReport = {
    loss: Number(run.last[built.lossOutput]!.data[0]),
    gradients,
    timing: { repeat: spec.repeat, forward_ms: fwd.ms, forward_backward_ms: run.ms },
    backward_ops: backwardOps,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    nodes_by_provider: placement,
    estimated_peak_bytes: {
      fp32: estimatePeakBytes(built.model.graph, 'fp32').peak,
      fp16: estimatePeakBytes(built.model.graph, 'fp16').peak,
    },
  };
  await writeAtomic(join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
