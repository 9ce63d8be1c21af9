// An estimate of a graph's peak memory that does not depend on the execution provider: the most bytes held at once
// while the nodes run in the graph's order, every value freed after its last consumer (docs/providers.md, "Memory").
// It predicts a GPU's figure on a machine without one; a runtime adds its arena's rounding and workspace on top,
// and may save some by running an op in place.
//
// What is resident for the whole run: the weights, the caller's feeds, and what the runtime's constant folding makes
// of the weights (a Transpose of a weight becomes a new weight; a folded chain keeps only its end, and a weight that
// only feeds folded nodes is dropped). Everything else is an activation, live from its producer to its last consumer.
import { dtypes, type DType } from './dtype.ts';
import type { Graph, TensorType } from './ir.ts';

/** Bytes per element when a graph runs in fp16: float32 values become float16, other dtypes stay. */
export type Precision = 'fp32' | 'fp16';

export interface PeakEstimate {
  /** The most bytes live at once: resident + activations at the peak node. */
  readonly peak: number;
  /** Weights, feeds and folded constants: held for the whole run. */
  readonly resident: number;
  /** The node running when the peak is reached. */
  readonly peakNode: string;
}

/** Ops whose output is not a function of their inputs, so never folded. */
const NOT_FOLDABLE = new Set([
  'RandomNormal',
  'RandomNormalLike',
  'RandomUniform',
  'RandomUniformLike',
  'Multinomial',
  'Bernoulli',
  'Dropout',
]);

const elementBytes = (dtype: DType, precision: Precision): number =>
  precision === 'fp16' && dtype === 'float32' ? 2 : dtypes[dtype].bytes;

function bytesOf(t: TensorType | undefined, precision: Precision): number {
  if (!t) return 0;
  let n = 1;
  for (const d of t.dims) n *= d;
  return n * elementBytes(t.dtype, precision);
}

export function estimatePeakBytes(graph: Graph, precision: Precision): PeakEstimate {
  const size = (name: string) => bytesOf(graph.types.get(name) ?? graph.initializers.get(name), precision);

  // Constant folding: a node whose inputs are all constant is computed once, when the session is created.
  const constant = new Set<string>(graph.initializers.keys());
  const folded = new Set<number>();
  graph.nodes.forEach((n, i) => {
    if (NOT_FOLDABLE.has(n.opType) || !n.inputs.every((x) => !x || constant.has(x))) return;
    folded.add(i);
    for (const o of n.outputs) if (o) constant.add(o);
  });

  const outputs = new Set(graph.outputs.map((o) => o.name));
  const feeds = new Set(graph.inputs.map((o) => o.name));
  const lastUse = new Map<string, number>();
  graph.nodes.forEach((n, i) => {
    if (folded.has(i)) return;
    for (const x of n.inputs) if (x) lastUse.set(x, i);
  });

  // Resident: the feeds, and the constants a running node reads (or the caller fetches).
  let resident = 0;
  for (const feed of feeds) if (!constant.has(feed)) resident += size(feed);
  for (const c of constant) if (lastUse.has(c) || outputs.has(c)) resident += size(c);

  let live = 0;
  let peak = resident;
  let peakNode = '';
  graph.nodes.forEach((n, i) => {
    if (folded.has(i)) return;
    for (const o of n.outputs) if (o) live += size(o);
    if (resident + live > peak) {
      peak = resident + live;
      peakNode = n.name;
    }
    for (const v of new Set([...n.inputs, ...n.outputs])) {
      if (!v || constant.has(v) || outputs.has(v) || feeds.has(v)) continue;
      if ((lastUse.get(v) ?? i) === i) live -= size(v);
    }
  });
  return { peak, resident, peakNode };
}
