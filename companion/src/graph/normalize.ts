// Normalisation before differentiation (docs/onnx.md §4.1): static input shapes, Constant nodes as initializers,
// constant folding of the Shape→Gather→… plumbing, a static type for every value, dead-code removal.
// Contrib ops from onnxruntime's transformer optimizer are refused with the fix. The model's opset is kept.
import { fail } from '../errors.ts';
import { isStandardDomain, opsetOf, type Graph, type Model, type Node } from './ir.ts';
import { fromNumbers, numel, type ConstTensor } from './tensor.ts';
import { evalRules } from './const-eval.ts';
import { inferNode, shapeContext } from './shape-context.ts';
import { shapeRules } from './shape-rules.ts';

export interface NormalizeOptions {
  /** Dims for graph inputs, overriding symbolic or declared ones (e.g. batch 1, 64×64 latents). */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Largest constant (in elements) that folding may materialise inline. */
  readonly maxFoldElements?: number;
}

const CONTRIB_HINTS: Readonly<Record<string, string>> = {
  GroupNorm: 'GroupNorm (fused GroupNormalization)',
  MultiHeadAttention: 'MultiHeadAttention (fused attention)',
  Attention: 'Attention (fused attention)',
  BiasSplitGelu: 'BiasSplitGelu (fused GEGLU)',
  NhwcConv: 'NhwcConv (channels-last conv)',
  BiasAdd: 'BiasAdd',
  SkipLayerNormalization: 'SkipLayerNormalization',
  SkipGroupNorm: 'SkipGroupNorm',
  FastGelu: 'FastGelu',
  BiasGelu: 'BiasGelu',
};

function fixInputShapes(graph: Graph, overrides: Readonly<Record<string, readonly number[]>>): void {
  for (const name of Object.keys(overrides)) {
    if (!graph.inputs.some((i) => i.name === name)) {
      fail(
        'UNKNOWN_TENSOR',
        `no graph input named '${name}'; inputs are: ${graph.inputs.map((i) => i.name).join(', ')}`,
      );
    }
  }
  graph.inputs = graph.inputs.map((input) => {
    const dims = overrides[input.name] ?? input.dims;
    const symbolic = dims.find((d) => typeof d !== 'number');
    if (symbolic !== undefined) {
      fail('DIMS_MISMATCH', `input '${input.name}' has symbolic dim '${symbolic}'; give its static dims`);
    }
    graph.types.set(input.name, { dtype: input.dtype, dims: dims as number[] });
    return { ...input, dims };
  });
  for (const init of graph.initializers.values()) graph.types.set(init.name, { dtype: init.dtype, dims: init.dims });
}

function constantNodeValue(node: Node): ConstTensor | undefined {
  const a = node.attrs;
  if (a['value']?.type === 'tensor') return a['value'].value;
  if (a['value_float']?.type === 'float') return fromNumbers('float32', [], [a['value_float'].value]);
  if (a['value_int']?.type === 'int') return fromNumbers('int64', [], [a['value_int'].value]);
  if (a['value_ints']?.type === 'ints')
    return fromNumbers('int64', [a['value_ints'].value.length], a['value_ints'].value);
  if (a['value_floats']?.type === 'floats')
    return fromNumbers('float32', [a['value_floats'].value.length], a['value_floats'].value);
  return undefined;
}

function setConstant(graph: Graph, name: string, t: ConstTensor): void {
  graph.initializers.set(name, { name, dtype: t.dtype, dims: t.dims, data: t });
  graph.types.set(name, { dtype: t.dtype, dims: t.dims });
}

/** Tries to fold a node whose inputs are all constant (or a Shape of a typed value). True when folded. */
function tryFold(graph: Graph, node: Node, opset: number, maxElements: number): boolean {
  if (node.opType === 'Constant') {
    const value = constantNodeValue(node);
    if (!value) return false;
    setConstant(graph, node.outputs[0]!, value);
    return true;
  }
  const rule = evalRules[node.opType];
  if (!rule) return node.opType === 'Shape' ? foldShape(graph, node, opset) : false;
  const inputs = node.inputs.map((name) => (name ? graph.initializers.get(name)?.data : undefined));
  if (node.inputs.some((name, i) => name && !inputs[i]))
    return node.opType === 'Shape' ? foldShape(graph, node, opset) : false;
  const types = shapeRules[node.opType]!(node, shapeContext(graph, node, opset));
  if (types.some((t) => numel(t.dims) > maxElements)) return false;
  const values = rule(
    node,
    inputs.filter((t): t is ConstTensor => t !== undefined),
    types,
    shapeContext(graph, node, opset),
  );
  node.outputs.forEach((out, i) => {
    if (out) setConstant(graph, out, fromNumbers(types[i]!.dtype, types[i]!.dims, values[i]!));
  });
  return true;
}

function foldShape(graph: Graph, node: Node, opset: number): boolean {
  const t = graph.types.get(node.inputs[0]!);
  if (!t) return false;
  const [out] = shapeRules['Shape']!(node, shapeContext(graph, node, opset));
  const start = (node.attrs['start']?.value as number | undefined) ?? 0;
  const dims = t.dims.slice(start < 0 ? start + t.dims.length : start).slice(0, out!.dims[0]);
  setConstant(graph, node.outputs[0]!, fromNumbers('int64', [dims.length], dims));
  return true;
}

export function topoSort(graph: Graph): void {
  const ready = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys(), '']);
  const pending = [...graph.nodes];
  const sorted: Node[] = [];
  while (pending.length) {
    const before = sorted.length;
    for (let i = 0; i < pending.length;) {
      const n = pending[i]!;
      if (n.inputs.every((x) => ready.has(x))) {
        sorted.push(n);
        for (const o of n.outputs) ready.add(o);
        pending.splice(i, 1);
      } else i++;
    }
    if (sorted.length === before) {
      const n = pending[0]!;
      fail(
        'MODEL_INVALID',
        `node '${n.name}' (${n.opType}) uses a value nothing produces: ${n.inputs.filter((x) => !ready.has(x)).join(', ')}`,
      );
    }
  }
  graph.nodes = sorted;
}

/** Removes nodes and initializers nothing needed by the graph outputs depends on. */
export function eliminateDeadCode(graph: Graph): void {
  const live = new Set(graph.outputs.map((o) => o.name));
  const kept: Node[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i]!;
    if (n.outputs.some((o) => live.has(o))) {
      kept.push(n);
      for (const x of n.inputs) if (x) live.add(x);
    }
  }
  graph.nodes = kept.reverse();
  for (const name of [...graph.initializers.keys()]) if (!live.has(name)) graph.initializers.delete(name);
}

export function normalizeModel(model: Model, options: NormalizeOptions = {}): Model {
  const graph = model.graph;
  const opset = opsetOf(model);
  const maxFold = options.maxFoldElements ?? 65_536;
  fixInputShapes(graph, options.inputShapes ?? {});
  for (const node of graph.nodes) {
    if (!isStandardDomain(node.domain)) {
      const what = CONTRIB_HINTS[node.opType] ?? node.opType;
      fail(
        'CONTRIB_OP',
        `node '${node.name}' is ${node.domain}:${what}, a fused onnxruntime op the autodiff cannot train through`,
      );
    }
  }
  topoSort(graph);
  const kept: Node[] = [];
  for (const node of graph.nodes) {
    if (tryFold(graph, node, opset, maxFold)) continue;
    try {
      inferNode(graph, node, opset);
    } catch (err) {
      if (err instanceof Error && err.name === 'ImagicError') throw err;
      fail(
        'MODEL_INVALID',
        `shape inference failed at ${node.opType} '${node.name}': ${err instanceof Error ? err.message : String(err)}`,
        err,
      );
    }
    kept.push(node);
  }
  graph.nodes = kept;
  // Outputs that folding turned into constants still need a producer: keep them as Identity of the constant.
  for (const out of graph.outputs) {
    if (graph.initializers.has(out.name) && !graph.nodes.some((n) => n.outputs.includes(out.name))) {
      const src = `${out.name}::const`;
      const init = graph.initializers.get(out.name)!;
      graph.initializers.delete(out.name);
      graph.initializers.set(src, { ...init, name: src });
      graph.types.set(src, graph.types.get(out.name)!);
      graph.nodes.push({
        name: `${out.name}::identity`,
        opType: 'Identity',
        domain: '',
        inputs: [src],
        outputs: [out.name],
        attrs: {},
      });
    }
  }
  eliminateDeadCode(graph);
  graph.outputs = graph.outputs.map((o) => ({
    ...o,
    dtype: graph.types.get(o.name)?.dtype ?? o.dtype,
    dims: graph.types.get(o.name)?.dims ?? o.dims,
  }));
  return model;
}
