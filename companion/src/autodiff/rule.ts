// The contract of a gradient rule: given the gradients of a node's outputs (null where an output has none),
// emit standard-ONNX ops that compute the gradients of its inputs. Rules only build what `needs(i)` asks for.
import type { GraphEmitter } from '../graph/emitter.ts';
import type { Node } from '../graph/ir.ts';
import type { ConstTensor } from '../graph/tensor.ts';
import { constantValue } from '../graph/shape-context.ts';

export interface GradContext {
  readonly e: GraphEmitter;
  readonly node: Node;
  /** True when input i is on a path from a trainable tensor, so its gradient is wanted. */
  needs(i: number): boolean;
  x(i: number): string;
  y(i: number): string;
  dims(name: string): readonly number[];
  constant(i: number): ConstTensor | undefined;
  /**
   * The finished gradient of a forward value downstream of this node, or null (no gradient reaches it). Lets a rule
   * use an identity that holds through its consumer (Softmax into attention's MatMul) instead of a larger tensor.
   */
  gradOf(value: string): string | null;
  /** The forward graph's nodes that read `value` (the backward's own nodes excluded). */
  consumers(value: string): readonly Node[];
}

/** What the backward walk knows beyond the node: finished gradients, the forward graph's consumers, recomputations. */
export interface WalkState {
  gradOf(value: string): string | null;
  consumers(value: string): readonly Node[];
  /** The value a rule should read for a forward value: itself, or its recomputation in the backward (recompute.ts). */
  value(name: string): string;
}

const NO_WALK: WalkState = { gradOf: () => null, consumers: () => [], value: (name) => name };

export type Grad = string | null | undefined;
export type GradientRule = (dy: readonly Grad[], c: GradContext) => readonly Grad[];

export function makeContext(
  e: GraphEmitter,
  node: Node,
  needs: (i: number) => boolean,
  walk: WalkState = NO_WALK,
): GradContext {
  return {
    e,
    node,
    needs,
    gradOf: walk.gradOf,
    consumers: walk.consumers,
    x: (i) => (node.inputs[i] ? walk.value(node.inputs[i]) : ''),
    y: (i) => (node.outputs[i] ? walk.value(node.outputs[i]) : ''),
    dims: (name) => e.dims(name),
    constant: (i) => constantValue(e.graph, node.inputs[i] ?? ''),
  };
}

/** Rule error with the op and node named, as the issue requires for a missing or partial rule. */
export class RuleError extends Error {
  constructor(node: Node, message: string) {
    super(`${node.opType} node '${node.name}': ${message}`);
  }
}
