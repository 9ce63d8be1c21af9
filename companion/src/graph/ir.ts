// A small, mutable IR over ONNX graphs: what the normaliser, the autodiff and the rewrites work on.
// Frozen weights may stay in external data: an Initializer then carries only its location, never its bytes.
import type { DType } from './dtype.ts';
import type { ConstTensor } from './tensor.ts';

export type Attr =
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensor'; readonly value: ConstTensor }
  /** Subgraphs and other kinds we never interpret, kept as their proto for a faithful round trip. */
  | { readonly type: 'opaque'; readonly value: unknown };

export interface Node {
  name: string;
  opType: string;
  /** '' for the standard ai.onnx domain. */
  domain: string;
  /** '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attrs: Record<string, Attr>;
}

export interface ExternalRef {
  /** Path relative to the model's folder, exactly as the original model stores it. */
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

export interface Initializer {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly number[];
  /** Inline data; absent when the tensor lives in external data. */
  readonly data?: ConstTensor;
  readonly external?: ExternalRef;
}

/** dims: numbers once static; strings are symbolic dims (before normalisation fixes them). */
export interface ValueInfo {
  readonly name: string;
  readonly dtype: DType;
  readonly dims: readonly (number | string)[];
}

export interface TensorType {
  readonly dtype: DType;
  readonly dims: readonly number[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Initializer>;
  /** Static type of every value, filled by shape inference. */
  types: Map<string, TensorType>;
}

export interface OpsetImport {
  readonly domain: string;
  readonly version: number;
}

export interface Model {
  irVersion: number;
  opsetImports: OpsetImport[];
  producerName: string;
  graph: Graph;
  /** Folder that external-data locations resolve against. */
  baseDir: string;
  metadata: Record<string, string>;
}

/** The default-domain opset: what every emitter consults to pick an op's signature. */
export function opsetOf(model: Model): number {
  const row = model.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (!row) throw new RangeError('model has no ai.onnx opset import');
  return row.version;
}

export const isStandardDomain = (domain: string): boolean => domain === '' || domain === 'ai.onnx';

// --- attribute accessors -----------------------------------------------------------------------------
export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attrs[name];
  return a?.type === 'int' ? a.value : fallback;
}

export function attrFloat(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a?.type === 'float' ? a.value : a?.type === 'int' ? a.value : fallback;
}

export function attrInts(node: Node, name: string): readonly number[] | undefined {
  const a = node.attrs[name];
  return a?.type === 'ints' ? a.value : undefined;
}

export function attrString(node: Node, name: string, fallback: string): string {
  const a = node.attrs[name];
  return a?.type === 'string' ? a.value : fallback;
}

export const intAttr = (value: number): Attr => ({ type: 'int', value });
export const floatAttr = (value: number): Attr => ({ type: 'float', value });
export const intsAttr = (value: readonly number[]): Attr => ({ type: 'ints', value });
export const stringAttr = (value: string): Attr => ({ type: 'string', value });

/** Which node produces each value, and which nodes consume it. */
export function indexGraph(graph: Graph): { producer: Map<string, Node>; consumers: Map<string, Node[]> } {
  const producer = new Map<string, Node>();
  const consumers = new Map<string, Node[]>();
  for (const node of graph.nodes) {
    for (const out of node.outputs) if (out) producer.set(out, node);
    for (const inp of node.inputs) {
      if (!inp) continue;
      const list = consumers.get(inp);
      if (list) list.push(node);
      else consumers.set(inp, [node]);
    }
  }
  return { producer, consumers };
}

export function typeOf(graph: Graph, name: string): TensorType {
  const t = graph.types.get(name);
  if (!t) throw new RangeError(`no static type for value '${name}' (run shape inference first)`);
  return t;
}
