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
}

export type Grad = string | null | undefined;
export type GradientRule = (dy: readonly Grad[], c: GradContext) => readonly Grad[];

export function makeContext(e: GraphEmitter, node: Node, needs: (i: number) => boolean): GradContext {
  return {
    e,
    node,
    needs,
    x: (i) => node.inputs[i] ?? '',
    y: (i) => node.outputs[i] ?? '',
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
