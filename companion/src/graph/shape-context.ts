// Builds the ShapeContext a shape rule sees for one node of a graph, and applies a rule to record types.
import type { Graph, Node, TensorType } from './ir.ts';
import type { ConstTensor } from './tensor.ts';
import { shapeRules, type ShapeContext } from './shape-rules.ts';

export function constantValue(graph: Graph, name: string): ConstTensor | undefined {
  return name ? graph.initializers.get(name)?.data : undefined;
}

export function shapeContext(graph: Graph, node: Node, opset: number): ShapeContext {
  return {
    opset,
    has: (i) => Boolean(node.inputs[i]),
    type: (i) => {
      const name = node.inputs[i] ?? '';
      const t = graph.types.get(name);
      if (!t) throw new RangeError(`${node.opType} '${node.name}': input ${i} ('${name}') has no static type`);
      return t;
    },
    constant: (i) => constantValue(graph, node.inputs[i] ?? ''),
  };
}

/** Infers and records the output types of one node; throws naming the op when no rule exists. */
export function inferNode(graph: Graph, node: Node, opset: number): TensorType[] {
  const rule = shapeRules[node.opType];
  if (!rule) throw new RangeError(`no shape rule for op ${node.opType} (node '${node.name}')`);
  const types = rule(node, shapeContext(graph, node, opset));
  node.outputs.forEach((out, i) => {
    const t = types[i];
    if (out && t) graph.types.set(out, t);
  });
  return types;
}
