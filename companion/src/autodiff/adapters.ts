// Low-rank adapters injected by graph rewrite (stage 2 of Imagic fine-tunes these instead of the whole UNet:
// docs/onnx.md §4.5, full fine-tuning would move 860M parameters across the bus every step).
//   LoRA  (MatMul/Gemm with a constant weight W[in,out]):  y = x·W + s·(x·A)·B,   A[in,r], B[r,out]
//   LoCon (Conv with W[Cout,Cin,k,k]):                      y = conv(x,W) + s·conv₁ₓ₁(conv(x,A), B),
//                                                           A[r,Cin,k,k] (same stride/pads), B[Cout,r,1,1]
// with s = alpha/rank. Mode 'inputs' keeps A and B as fp32 graph inputs (training; their gradients become
// graph outputs). Mode 'merged' rewrites the layer to use W + s·A·B with A and B as initializers, which
// onnxruntime constant-folds into a merged copy of the weight when the session is created (sampling). Mode
// 'scaled' keeps the branch, with A and B as initializers, times one scalar graph input, ADAPTER_SCALE_INPUT:
// sampling that changes the adapters' strength from step to step (stage-sample.ts) runs one session for all of it.
import { GraphEmitter } from '../graph/emitter.ts';
import { attrInt, opsetOf, type Attr, type Model, type Node } from '../graph/ir.ts';
import type { DType } from '../graph/dtype.ts';
import { fromNumbers, numel, type ConstTensor } from '../graph/tensor.ts';
import { normalizeModel } from '../graph/normalize.ts';
import { fail } from '../errors.ts';
import { Rng } from '../util/rng.ts';
import { cloneModel } from './gradient-model.ts';

export interface AdapterSpec {
  /** Node-name patterns (regular expressions) selecting the MatMul/Gemm/Conv nodes to adapt. */
  readonly targets: readonly string[];
  readonly rank: number;
  /** LoRA's alpha; the update is scaled by alpha / rank. Defaults to rank (scale 1). */
  readonly alpha?: number;
  readonly mode: 'inputs' | 'merged' | 'scaled';
  /** Static input shapes for normalisation, as in GradientSpec. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Adapter values for modes 'merged' and 'scaled' (name → fp32 data). */
  readonly values?: ReadonlyMap<string, Float32Array>;
}

export interface AdapterInfo {
  readonly node: string;
  readonly kind: 'lora' | 'locon';
  readonly down: { readonly name: string; readonly dims: readonly number[] };
  readonly up: { readonly name: string; readonly dims: readonly number[] };
  readonly scale: number;
}

export interface AdaptedModel {
  readonly model: Model;
  readonly adapters: readonly AdapterInfo[];
}

/** Mode 'scaled': the fp32 [1] input that multiplies every adapter branch (1 = as trained, 0 = the base model). */
export const ADAPTER_SCALE_INPUT = 'adapter_scale';

/** Adapter tensor names are derived from the node's module path, so saved adapters survive re-exports. */
export const adapterName = (node: string, part: 'down' | 'up'): string => `lora::${node.replace(/^\//, '')}::${part}`;

function isConstWeight(model: Model, name: string): boolean {
  return model.graph.initializers.has(name);
}

interface Site {
  readonly node: Node;
  readonly kind: 'lora' | 'locon';
  readonly inDim: number;
  readonly outDim: number;
  readonly kernel: readonly number[];
}

function siteOf(model: Model, node: Node, e: GraphEmitter): Site | undefined {
  if (node.opType === 'MatMul' && isConstWeight(model, node.inputs[1]!)) {
    const w = e.dims(node.inputs[1]!);
    if (w.length === 2) return { node, kind: 'lora', inDim: w[0]!, outDim: w[1]!, kernel: [] };
  }
  if (node.opType === 'Gemm' && isConstWeight(model, node.inputs[1]!) && attrInt(node, 'transA', 0) === 0) {
    const w = e.dims(node.inputs[1]!);
    const tB = attrInt(node, 'transB', 0) === 1;
    return { node, kind: 'lora', inDim: tB ? w[1]! : w[0]!, outDim: tB ? w[0]! : w[1]!, kernel: [] };
  }
  if (node.opType === 'Conv' && isConstWeight(model, node.inputs[1]!) && attrInt(node, 'group', 1) === 1) {
    const w = e.dims(node.inputs[1]!);
    return { node, kind: 'locon', inDim: w[1]!, outDim: w[0]!, kernel: w.slice(2) };
  }
  return undefined;
}

function convAttrs(node: Node): Record<string, Attr> {
  const out: Record<string, Attr> = {};
  for (const k of ['strides', 'pads', 'dilations', 'auto_pad']) if (node.attrs[k]) out[k] = node.attrs[k]!;
  return out;
}

export function injectAdapters(source: Model, spec: AdapterSpec): AdaptedModel {
  if (!Number.isInteger(spec.rank) || spec.rank < 1)
    fail('INVALID_SPEC', `adapter rank must be a positive integer, got ${spec.rank}`);
  const model = normalizeModel(cloneModel(source), spec.inputShapes ? { inputShapes: spec.inputShapes } : {});
  const graph = model.graph;
  const e = new GraphEmitter(graph, opsetOf(model), 'adapter/');
  const patterns = spec.targets.map((t) => new RegExp(t));
  const sites = graph.nodes
    .map((n) => (patterns.some((p) => p.test(n.name)) ? siteOf(model, n, e) : undefined))
    .filter((s): s is Site => s !== undefined);
  if (sites.length === 0)
    fail(
      'INVALID_SPEC',
      `no MatMul/Gemm/Conv node with a constant weight matches the adapter targets ${spec.targets.join(', ')}`,
    );
  const scale = (spec.alpha ?? spec.rank) / spec.rank;
  const adapters: AdapterInfo[] = [];
  const strengths = new Map<DType, string>();
  const strength = (dtype: DType): string => {
    if (strengths.size === 0) {
      graph.inputs.push({ name: ADAPTER_SCALE_INPUT, dtype: 'float32', dims: [1] });
      graph.types.set(ADAPTER_SCALE_INPUT, { dtype: 'float32', dims: [1] });
    }
    if (!strengths.has(dtype)) strengths.set(dtype, e.cast(ADAPTER_SCALE_INPUT, dtype));
    return strengths.get(dtype)!;
  };
  const forward = graph.nodes;
  // The emitter appends to graph.nodes: pointing it at the rewritten list emits each branch in place.
  graph.nodes = [];
  for (const node of forward) {
    const site = sites.find((s) => s.node === node);
    if (!site) {
      graph.nodes.push(node);
      continue;
    }
    const dtype = e.type(node.inputs[0]!).dtype;
    const r = spec.rank;
    const downDims = site.kind === 'lora' ? [site.inDim, r] : [r, site.inDim, ...site.kernel];
    const upDims = site.kind === 'lora' ? [r, site.outDim] : [site.outDim, r, ...site.kernel.map(() => 1)];
    const info: AdapterInfo = {
      node: node.name,
      kind: site.kind,
      down: { name: adapterName(node.name, 'down'), dims: downDims },
      up: { name: adapterName(node.name, 'up'), dims: upDims },
      scale,
    };
    adapters.push(info);
    if (spec.mode === 'inputs') addAdapterInputs(e, node, info, dtype);
    else if (spec.mode === 'merged') mergeAdapter(e, node, info, dtype, spec.values);
    else addBranch(e, node, info, constantParts(e, info, dtype, spec.values), strength(dtype));
  }
  return { model, adapters };
}

/** Declares A and B as fp32 inputs (cast to the model dtype) and adds the low-rank branch to the output. */
function addAdapterInputs(e: GraphEmitter, node: Node, info: AdapterInfo, dtype: DType): void {
  const graph = e.graph;
  for (const part of [info.down, info.up]) {
    graph.inputs.push({ name: part.name, dtype: 'float32', dims: part.dims });
    graph.types.set(part.name, { dtype: 'float32', dims: part.dims });
  }
  addBranch(e, node, info, { A: e.cast(info.down.name, dtype), B: e.cast(info.up.name, dtype) });
}

/** The node's output becomes base + s·branch(A, B), times `strength` when given. */
function addBranch(
  e: GraphEmitter,
  node: Node,
  info: AdapterInfo,
  { A, B }: { A: string; B: string },
  strength?: string,
): void {
  const graph = e.graph;
  const original = node.outputs[0]!;
  const base = e.fresh('base');
  node.outputs[0] = base;
  graph.types.set(base, graph.types.get(original)!);
  graph.nodes.push(node);
  const x = node.inputs[0]!;
  const branch =
    info.kind === 'lora' ? e.matmul(e.matmul(x, A), B) : e.op1('Conv', [e.op1('Conv', [x, A], convAttrs(node)), B]);
  const scaled = e.scale(branch, info.scale);
  e.op('Add', [base, strength === undefined ? scaled : e.op1('Mul', [scaled, strength])], {}, { names: [original] });
}

/** A and B as initializers holding the trained values, cast to the model dtype. */
function constantParts(
  e: GraphEmitter,
  info: AdapterInfo,
  dtype: DType,
  values?: ReadonlyMap<string, Float32Array>,
): { A: string; B: string } {
  const value = (part: AdapterInfo['down']): ConstTensor => {
    const v = values?.get(part.name) ?? fail('INVALID_SPEC', `no value for adapter '${part.name}'`);
    if (v.length !== numel(part.dims))
      fail('DIMS_MISMATCH', `adapter '${part.name}' has ${v.length} values, expected ${numel(part.dims)}`);
    return fromNumbers('float32', part.dims, v!);
  };
  return {
    A: e.cast(e.constant(value(info.down), 'lora_down'), dtype),
    B: e.cast(e.constant(value(info.up), 'lora_up'), dtype),
  };
}

/** Rewrites the layer's weight to W + s·A·B with A, B as initializers (folded by onnxruntime at load). */
function mergeAdapter(
  e: GraphEmitter,
  node: Node,
  info: AdapterInfo,
  dtype: DType,
  values?: ReadonlyMap<string, Float32Array>,
): void {
  const { A, B } = constantParts(e, info, dtype, values);
  const W = node.inputs[1]!;
  const wd = e.dims(W);
  let delta: string;
  if (info.kind === 'lora') {
    const ab = e.matmul(A, B); // [in, out]
    const transB = node.opType === 'Gemm' && attrInt(node, 'transB', 0) === 1;
    delta = transB ? e.transpose(ab, [1, 0]) : ab;
  } else {
    const [r, cin, ...k] = info.down.dims;
    const composed = e.matmul(e.reshape(B, [wd[0]!, r!]), e.reshape(A, [r!, cin! * numel(k)]));
    delta = e.reshape(composed, wd);
  }
  node.inputs[1] = e.add(W, e.scale(delta, info.scale));
  e.graph.nodes.push(node);
}

/** LoRA's usual initialisation: A ~ N(0, 1/fan_in), B = 0, so training starts exactly at the base model. */
export function initAdapterValues(adapters: readonly AdapterInfo[], seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const values = new Map<string, Float32Array>();
  for (const a of adapters) {
    const fanIn = numel(a.down.dims) / a.down.dims[a.kind === 'lora' ? 1 : 0]!;
    values.set(a.down.name, rng.normalArray(numel(a.down.dims), 1 / Math.sqrt(fanIn)));
    values.set(a.up.name, new Float32Array(numel(a.up.dims)));
  }
  return values;
}
