// Development only: where a bench case's time goes on onnxruntime, by op type, split into forward nodes and
// backward (`grad/…`) nodes. Builds the same graph as companion/src/bench/measure-case.ts, runs it with
// onnxruntime's profiler (1 warm-up + N profiled runs) and sums the kernel times of the profiled runs.
//   npx tsx scripts/dev/ort_profile_case.mts MODEL.onnx forward|grad-ehs|grad-lora N 'SHAPES_JSON' [OUT_PREFIX]
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModel, serializeModel } from '../../companion/src/onnx/model-file.ts';
import { normalizeModel } from '../../companion/src/graph/normalize.ts';
import { buildGradientModel } from '../../companion/src/autodiff/gradient-model.ts';
import { injectAdapters } from '../../companion/src/autodiff/adapters.ts';
import { adapterPatterns } from '../../companion/src/engine/adapter-targets.ts';

/** Rank-4 LoRA on the attention projections, as torch_unet_timing.py's stage-2 step. */
const ATTENTION_TARGETS = adapterPatterns(['to_q', 'to_k', 'to_v', 'to_out']);
import { numel } from '../../companion/src/graph/tensor.ts';
import type { Model } from '../../companion/src/graph/ir.ts';
import { Rng } from '../../companion/src/util/rng.ts';

const [modelPath, mode, nText, shapesJson, prefix = '/tmp/ort_profile'] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
];
const inputShapes = JSON.parse(shapesJson) as Record<string, number[]>;
const source = await readModel(modelPath);
let model: Model;
if (mode === 'forward') model = normalizeModel(source, { inputShapes });
else if (mode === 'grad-ehs')
  model = buildGradientModel(source, {
    loss: { type: 'mse', output: 'out_sample' },
    wrt: ['encoder_hidden_states'],
    inputShapes,
  }).model;
else {
  const adapted = injectAdapters(source, { targets: ATTENTION_TARGETS, rank: 4, mode: 'inputs', inputShapes });
  model = buildGradientModel(adapted.model, {
    loss: { type: 'mse', output: 'out_sample' },
    wrt: adapted.adapters.flatMap((a) => [a.down.name, a.up.name]),
  }).model;
}
const hasExternal = [...model.graph.initializers.values()].some((i) => i.external);
const session = await ort.InferenceSession.create(serializeModel(model), {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: prefix,
  ...(hasExternal ? { extra: { session: { model_external_initializers_file_folder_path: model.baseDir } } } : {}),
});
const rng = new Rng(1);
const feeds: Record<string, ort.Tensor> = {};
for (const input of model.graph.inputs) {
  const dims = input.dims as number[];
  const n = numel(dims);
  feeds[input.name] =
    input.name === 'timestep'
      ? new ort.Tensor('float32', new Float32Array(n).fill(500), dims)
      : new ort.Tensor('float32', rng.normalArray(n, input.name.startsWith('lora::') ? 0.01 : 1), dims);
}
const runs = Number(nText);
const wall: number[] = [];
for (let i = 0; i <= runs; i++) {
  const t = performance.now();
  await session.run(feeds);
  wall.push(performance.now() - t);
}
// onnxruntime-node's endProfiling() returns nothing: the file is PREFIX_<timestamp>.json.
(session as unknown as { endProfiling(): void }).endProfiling();
const dir = dirname(prefix);
const file = join(
  dir,
  readdirSync(dir)
    .filter((f) => f.startsWith(`${basename(prefix)}_`) && f.endsWith('.json'))
    .sort()
    .pop()!,
);
const events = JSON.parse(readFileSync(file, 'utf8')) as {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}[];
unlinkSync(file);
// Kernel events per run; drop the warm-up run (the first third of model_run spans is simpler: count by run index).
const runEvents = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
const perRun = kernels.length / runEvents.length;
const timed = kernels.slice(Math.round(perRun));
const table = new Map<string, { fwd: number; bwd: number; n: number }>();
let fwdTotal = 0;
let bwdTotal = 0;
for (const k of timed) {
  const op = k.args?.op_name ?? '?';
  const isBwd =
    k.name.startsWith('grad/') || k.name.includes('/grad/') || k.name.startsWith('loss') || k.name.startsWith('imagic');
  const row = table.get(op) ?? { fwd: 0, bwd: 0, n: 0 };
  if (isBwd) {
    row.bwd += k.dur;
    bwdTotal += k.dur;
  } else {
    row.fwd += k.dur;
    fwdTotal += k.dur;
  }
  row.n++;
  table.set(op, row);
}
const ms = (us: number) => (us / 1000 / runs).toFixed(1);
process.stdout.write(
  `${mode}: ${model.graph.nodes.length} graph nodes, ${Math.round(perRun)} kernels/run after optimisation; wall per run (ms): ${wall
    .slice(1)
    .map((w) => w.toFixed(0))
    .join(' ')}\n`,
);
process.stdout.write(
  `kernel ms/run: forward-side ${ms(fwdTotal)}, backward-side ${ms(bwdTotal)}\n  op                         fwd ms    bwd ms   kernels/run\n`,
);
for (const [op, r] of [...table].sort((a, b) => b[1].fwd + b[1].bwd - a[1].fwd - a[1].bwd).slice(0, 25)) {
  process.stdout.write(
    `  ${op.padEnd(24)}${ms(r.fwd).padStart(9)}${ms(r.bwd).padStart(10)}${(r.n / runs).toFixed(0).padStart(12)}\n`,
  );
}
