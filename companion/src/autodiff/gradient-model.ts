// Builds the one graph a training step runs: forward, in-graph loss, backward. Outputs: `loss`, one
// `grad::<name>` per trainable tensor (fp32), and, on request, the forward outputs. Trainable tensors that are
// fp16 in the model become fp32 graph inputs with a Cast, so the optimiser always sees fp32.
import { GraphEmitter } from '../graph/emitter.ts';
import { opsetOf, type Graph, type Model, type Node, type ValueInfo } from '../graph/ir.ts';
import { dtypes } from '../graph/dtype.ts';
import { eliminateDeadCode, normalizeModel, type NormalizeOptions } from '../graph/normalize.ts';
import { fail } from '../errors.ts';
import { emitBackward } from './backward.ts';
import { meanSquaredError } from './loss.ts';

export interface GradientSpec extends NormalizeOptions {
  readonly loss: { readonly type: 'mse'; readonly output: string };
  /** Graph inputs and/or initializers to differentiate with respect to. */
  readonly wrt: readonly string[];
  /** Also return the forward outputs (e.g. the UNet's prediction). */
  readonly keepOutputs?: boolean;
  /** Softmax outputs at least this large are recomputed in the backward instead of kept (autodiff/recompute.ts). */
  readonly recomputeBytes?: number;
}

export interface GradientModel {
  readonly model: Model;
  readonly lossOutput: string;
  readonly targetInput: string;
  /** wrt name → output name of its gradient. */
  readonly gradOutputs: ReadonlyMap<string, string>;
}

export const TARGET_INPUT = 'imagic::target';
export const LOSS_OUTPUT = 'loss';
export const gradOutputName = (name: string): string => `grad::${name}`;

export function cloneModel(model: Model): Model {
  const g = model.graph;
  const graph: Graph = {
    name: g.name,
    nodes: g.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } })),
    inputs: [...g.inputs],
    outputs: [...g.outputs],
    initializers: new Map(g.initializers),
    types: new Map(g.types),
  };
  return { ...model, opsetImports: [...model.opsetImports], graph, metadata: { ...model.metadata } };
}

/** Replaces every use of `from` by `to` in the nodes of a graph. */
export function renameUses(nodes: Node[], from: string, to: string): void {
  for (const n of nodes) n.inputs = n.inputs.map((x) => (x === from ? to : x));
}

/** An fp16 trainable input becomes an fp32 input feeding a Cast: gradients come back through the Cast in fp32. */
function promoteToFp32(e: GraphEmitter, graph: Graph, name: string): void {
  const idx = graph.inputs.findIndex((i) => i.name === name);
  const input = graph.inputs[idx]!;
  const half = `${name}::fp16`;
  renameUses(graph.nodes, name, half);
  const fp32: ValueInfo = { ...input, dtype: 'float32' };
  graph.inputs[idx] = fp32;
  graph.types.set(name, { dtype: 'float32', dims: graph.types.get(name)!.dims });
  const nodesBefore = graph.nodes;
  graph.nodes = [];
  e.op('Cast', [name], { to: { type: 'int', value: dtypes[input.dtype].onnx } }, { names: [half] });
  graph.nodes.push(...nodesBefore);
}

export function buildGradientModel(source: Model, spec: GradientSpec): GradientModel {
  const model = normalizeModel(cloneModel(source), spec);
  const graph = model.graph;
  const e = new GraphEmitter(graph, opsetOf(model), 'grad/');
  const output = graph.outputs.find((o) => o.name === spec.loss.output);
  if (!output)
    fail(
      'UNKNOWN_TENSOR',
      `no graph output named '${spec.loss.output}'; outputs are: ${graph.outputs.map((o) => o.name).join(', ')}`,
    );
  if (spec.wrt.length === 0)
    fail('INVALID_SPEC', 'wrt is empty: name at least one input or initializer to differentiate');
  for (const w of spec.wrt) {
    const t = graph.types.get(w);
    const isInput = graph.inputs.some((i) => i.name === w) || graph.initializers.has(w);
    if (!t || !isInput) {
      const names = [...graph.inputs.map((i) => i.name), ...[...graph.initializers.keys()].slice(0, 20)];
      fail('UNKNOWN_TENSOR', `'${w}' is not a graph input or initializer; candidates include: ${names.join(', ')}`);
    }
    if (!dtypes[t!.dtype].isFloat)
      fail('NOT_DIFFERENTIABLE', `'${w}' is ${t!.dtype}; only float tensors have gradients`);
    if (t!.dtype === 'float16' && graph.inputs.some((i) => i.name === w)) promoteToFp32(e, graph, w);
  }
  const outDims = graph.types.get(output!.name)!.dims;
  graph.inputs.push({ name: TARGET_INPUT, dtype: 'float32', dims: outDims });
  graph.types.set(TARGET_INPUT, { dtype: 'float32', dims: outDims });

  const { loss, seeds } = meanSquaredError(e, output!.name, TARGET_INPUT);
  const grads = emitBackward(
    e,
    seeds,
    spec.wrt,
    spec.recomputeBytes !== undefined ? { recomputeBytes: spec.recomputeBytes } : {},
  );

  const outputs: ValueInfo[] = [];
  const named = (value: string, name: string, asFloat32: boolean) => {
    const src = asFloat32 ? e.cast(value, 'float32') : value;
    e.op('Identity', [src], {}, { names: [name] });
    const t = graph.types.get(name)!;
    outputs.push({ name, dtype: t.dtype, dims: t.dims });
  };
  named(loss, LOSS_OUTPUT, false);
  const gradOutputs = new Map<string, string>();
  for (const [w, g] of grads) {
    named(g, gradOutputName(w), true);
    gradOutputs.set(w, gradOutputName(w));
  }
  graph.outputs = spec.keepOutputs ? [...outputs, ...graph.outputs] : outputs;
  eliminateDeadCode(graph);
  return { model, lossOutput: LOSS_OUTPUT, targetInput: TARGET_INPUT, gradOutputs };
}
