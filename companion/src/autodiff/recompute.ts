// Attention probabilities are the largest values a UNet's backward would keep: P = softmax(Q·Kᵀ·s) is
// [heads, HW, HW], 512 MiB per SD 1.5 self-attention layer at 64×64 latents in fp32 (five such layers, and five of
// 32 MiB at 32×32). From RECOMPUTE_BYTES up the backward recomputes P from Q and Kᵀ, which it keeps anyway for their
// own gradients, instead of keeping P (gradient checkpointing of one op chain): the forward's P is freed right after
// P·V, at the cost of one more Q·Kᵀ and softmax per layer in the backward. Smaller maps (the demo model's,
// cross-attention's [heads, HW, 77]) are kept: recomputing them would cost time and save little.
import type { GraphEmitter } from '../graph/emitter.ts';
import { dtypes } from '../graph/dtype.ts';
import type { Graph, Node } from '../graph/ir.ts';

export const RECOMPUTE_BYTES = 16 * 2 ** 20;

const SCALING_OPS = new Set(['Mul', 'Div']);

const bytesOf = (graph: Graph, value: string): number => {
  const t = graph.types.get(value);
  return t ? t.dims.reduce((a, b) => a * b, 1) * dtypes[t.dtype].bytes : 0;
};

/**
 * Softmax outputs worth recomputing, each with the chain that makes it: MatMul(Q, Kᵀ), scalings by constants, Softmax.
 * Every intermediate has the next link as its only consumer, and Q and Kᵀ are small next to P.
 */
export function recomputableChains(
  forward: readonly Node[],
  graph: Graph,
  consumers: (value: string) => readonly Node[],
  threshold: number = RECOMPUTE_BYTES,
): Map<string, readonly Node[]> {
  const producer = new Map<string, Node>();
  for (const n of forward) for (const o of n.outputs) if (o) producer.set(o, n);
  const onlyInto = (value: string, node: Node) => consumers(value).length === 1 && consumers(value)[0] === node;
  const chains = new Map<string, readonly Node[]>();
  for (const softmax of forward) {
    const y = softmax.outputs[0]!;
    if (softmax.opType !== 'Softmax' || bytesOf(graph, y) < threshold) continue;
    const chain: Node[] = [softmax];
    let link = softmax;
    let p = producer.get(link.inputs[0]!);
    while (p && SCALING_OPS.has(p.opType) && graph.initializers.has(p.inputs[1]!) && onlyInto(p.outputs[0]!, link)) {
      chain.unshift(p);
      link = p;
      p = producer.get(link.inputs[0]!);
    }
    if (!p || p.opType !== 'MatMul' || !onlyInto(p.outputs[0]!, link)) continue;
    if (p.inputs.some((x) => bytesOf(graph, x) * 4 > bytesOf(graph, y))) continue; // P must dwarf Q and Kᵀ
    chains.set(y, [p, ...chain]);
  }
  return chains;
}

/**
 * Emits the chain again, in the backward. `anchor` is a gradient already computed there: a zero derived from it is
 * added to Q, which orders the recomputation after that gradient exists (so the runtime cannot run it early, during
 * the forward) and keeps onnxruntime's common-subexpression pass from merging it back into the forward's chain.
 */
export function emitRecompute(e: GraphEmitter, chain: readonly Node[], anchor: string): string {
  const [matmul, ...rest] = chain as [Node, ...Node[]];
  const zero = e.scale(
    e.reduceMean(
      anchor,
      e.dims(anchor).map((_, i) => i),
      false,
    ),
    0,
  );
  let value = e.matmul(e.add(matmul.inputs[0]!, e.cast(zero, e.type(matmul.inputs[0]!).dtype)), matmul.inputs[1]!);
  for (const n of rest) value = e.op1(n.opType, [value, ...n.inputs.slice(1)], n.attrs);
  return value;
}
