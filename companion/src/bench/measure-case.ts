// One benchmark measurement, run in its own process: load a UNet, build the graph for the mode, warm up, time
// N runs, print one JSON line with the median and this process's peak RSS.
import { readModel } from '../onnx/model-file.ts';
import { normalizeModel } from '../graph/normalize.ts';
import { buildGradientModel } from '../autodiff/gradient-model.ts';
import { injectAdapters } from '../autodiff/adapters.ts';
import { numel } from '../graph/tensor.ts';
import type { Model } from '../graph/ir.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import type { Feeds, HostTensor } from '../runtime/host-tensor.ts';
import { Rng } from '../util/rng.ts';

export type CaseMode = 'forward' | 'grad-ehs' | 'grad-lora';
export const ATTENTION_TARGETS = ['/attn[12]/to_(q|k|v|out\\.0)/MatMul$'];

export interface CaseResult {
  mode: CaseMode;
  median_ms: number;
  min_ms: number;
  build_ms: number;
  session_ms: number;
  peak_rss_mb: number;
  nodes: number;
  trainable: number;
}

function randomFeeds(model: Model, rng: Rng): Record<string, HostTensor> {
  const feeds: Record<string, HostTensor> = {};
  for (const input of model.graph.inputs) {
    const dims = input.dims as number[];
    const n = numel(dims);
    if (input.name === 'timestep') {
      feeds[input.name] = input.dtype === 'int64'
        ? { dtype: 'int64', dims, data: BigInt64Array.from({ length: n }, () => 500n) }
        : { dtype: 'float32', dims, data: new Float32Array(n).fill(500) };
    } else {
      feeds[input.name] = { dtype: 'float32', dims, data: rng.normalArray(n, input.name.startsWith('lora::') ? 0.01 : 1) };
    }
  }
  return feeds;
}

export async function measureCase(args: readonly string[]): Promise<void> {
  const [modelPath, mode, repeatText, shapesJson] = args as [string, CaseMode, string, string];
  const repeat = Number(repeatText);
  const inputShapes = JSON.parse(shapesJson) as Record<string, number[]>;
  const rng = new Rng(1);
  const t0 = performance.now();
  const source = await readModel(modelPath);
  let model: Model;
  let trainable = 0;
  if (mode === 'forward') model = normalizeModel(source, { inputShapes });
  else if (mode === 'grad-ehs') {
    model = buildGradientModel(source, { loss: { type: 'mse', output: 'out_sample' }, wrt: ['encoder_hidden_states'], inputShapes }).model;
    trainable = numel(inputShapes['encoder_hidden_states']!);
  } else {
    const adapted = injectAdapters(source, { targets: ATTENTION_TARGETS, rank: 4, mode: 'inputs', inputShapes });
    const wrt = adapted.adapters.flatMap((a) => [a.down.name, a.up.name]);
    trainable = adapted.adapters.reduce((s, a) => s + numel(a.down.dims) + numel(a.up.dims), 0);
    model = buildGradientModel(adapted.model, { loss: { type: 'mse', output: 'out_sample' }, wrt }).model;
  }
  const t1 = performance.now();
  const session = await OrtSession.create(model);
  const t2 = performance.now();
  const feeds: Feeds = randomFeeds(model, rng);
  await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const s = performance.now();
    await session.run(feeds);
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
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
