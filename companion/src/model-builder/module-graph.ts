// Builds a graph the way a TorchScript export of a torch.nn module tree looks (docs/onnx.md §1.4): node names are
// module scope paths (`/down_blocks.0/resnets.0/conv1/Conv`, a `_N` suffix for repeats in one scope), weights
// keep their parameter names unless export-time folding renames them (`onnx::MatMul_N` for a transposed Linear
// weight), and shapes are either baked in or computed in-graph with Shape→Gather→Unsqueeze→Concat.
import { dtypes, type DType } from '../graph/dtype.ts';
import type { GraphEmitter } from '../graph/emitter.ts';
import { intAttr, type Attr, type Graph, type Model } from '../graph/ir.ts';
import { fromNumbers, int64Tensor, numel, type ConstTensor } from '../graph/tensor.ts';
import { toHalf } from '../graph/half.ts';
import { Rng } from '../util/rng.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';
import type { WeightSink } from './weight-sink.ts';

/** Weights are drawn from N(mean, std²), each tensor from its own seeded stream. */
export interface WeightInit {
  readonly std: number;
  readonly mean?: number;
}

export interface ModuleGraphOptions {
  readonly opset: number;
  readonly dtype: 'float32' | 'float16';
  readonly dynamicShapes: boolean;
  readonly seed: number;
  readonly sink: WeightSink;
  readonly name: string;
  readonly baseDir?: string;
}

/** A dim for shapeVector: a 0-d int64 value computed in the graph, or a known number. */
export type DimPart = string | number;

/** `/down_blocks.0/resnets.0/norm1` + `weight` → `down_blocks.0.resnets.0.norm1.weight`. */
export const parameterPath = (scope: string, leaf: string): string => `${scope.slice(1).replaceAll('/', '.')}.${leaf}`;

/** One independent stream per tensor, so sinks that skip generation (dry runs) do not shift later weights. */
const streamSeed = (seed: number, index: number): number =>
  (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;

export class ModuleGraph {
  readonly builder: GraphBuilder;
  readonly e: GraphEmitter;
  readonly dtype: 'float32' | 'float16';
  readonly dynamic: boolean;
  /** Initializer name → the diffusers parameter it holds (e.g. onnx::MatMul_1003 → …attn2.to_k.weight). */
  readonly parameters = new Map<string, string>();
  private readonly nameCounts = new Map<string, number>();
  private foldedCounter = 1000;
  private weightIndex = 0;

  constructor(private readonly options: ModuleGraphOptions) {
    this.builder = new GraphBuilder({
      opset: options.opset,
      name: options.name,
      ...(options.baseDir ? { baseDir: options.baseDir } : {}),
    });
    this.e = this.builder.e;
    this.dtype = options.dtype;
    this.dynamic = options.dynamicShapes;
  }

  get graph(): Graph {
    return this.builder.graph;
  }

  get model(): Model {
    return this.builder.model;
  }

  dims(value: string): readonly number[] {
    return this.e.dims(value);
  }

  /** PyTorch ≥ 1.13 naming: `${scope}/${opType}`, then `_1`, `_2`, … for further ops of that type in the scope. */
  nodeName(scope: string, opType: string): string {
    const base = `${scope}/${opType}`;
    const n = this.nameCounts.get(base) ?? 0;
    this.nameCounts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  /** Adds one single-output node named by its scope; its output type is inferred at once. */
  op(
    scope: string,
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, Attr> = {},
    output?: string,
  ): string {
    const name = this.nodeName(scope, opType);
    return this.e.op(opType, inputs, attrs, { name, names: [output ?? `${name}_output_0`] })[0]!;
  }

  /**
   * Adds a node whose shape argument is computed in the graph (Reshape/Expand/Slice fed by Shape plumbing).
   * Shape inference cannot see through it until the normaliser folds the plumbing, so the builder, which
   * knows the static shape, records the output type itself.
   */
  opWithKnownType(
    scope: string,
    opType: string,
    inputs: readonly string[],
    dims: readonly number[],
    dtype: DType,
  ): string {
    const name = this.nodeName(scope, opType);
    const out = `${name}_output_0`;
    this.graph.nodes.push({ name, opType, domain: '', inputs: [...inputs], outputs: [out], attrs: {} });
    this.graph.types.set(out, { dtype, dims: [...dims] });
    return out;
  }

  /** A parameter used as is (conv weights, biases, LayerNorm affine): the initializer keeps the parameter's name. */
  weight(parameter: string, dims: readonly number[], init: WeightInit, initializer = parameter): string {
    const index = this.weightIndex++;
    const entry = this.options.sink.put(initializer, this.dtype, dims, () => this.generate(index, dims, init));
    this.graph.initializers.set(initializer, entry);
    this.graph.types.set(initializer, { dtype: entry.dtype, dims: entry.dims });
    this.parameters.set(initializer, parameter);
    return initializer;
  }

  /**
   * A parameter the exporter transformed and constant-folded (a Linear weight transposed to [in, out], a
   * GroupNorm γ reshaped to [C, 1, 1]); such initializers get anonymous names, so consumers must find them
   * through the node that uses them, never by name (docs/onnx.md §1.4).
   */
  foldedWeight(consumerOp: string, parameter: string, dims: readonly number[], init: WeightInit): string {
    return this.weight(parameter, dims, init, `onnx::${consumerOp}_${this.foldedCounter++}`);
  }

  private generate(index: number, dims: readonly number[], init: WeightInit): ConstTensor {
    const values = new Rng(streamSeed(this.options.seed, index)).normalArray(numel(dims), init.std);
    const mean = init.mean ?? 0;
    if (mean !== 0) for (let i = 0; i < values.length; i++) values[i] = values[i]! + mean;
    if (this.dtype === 'float32') return { dtype: 'float32', dims: [...dims], data: values };
    return { dtype: 'float16', dims: [...dims], data: Uint16Array.from(values, toHalf) };
  }

  /** An inline constant (not a parameter), of the model dtype unless given. */
  constant(dims: readonly number[], values: ArrayLike<number>, dtype: DType = this.dtype): string {
    return this.e.constant(fromNumbers(dtype, dims, values));
  }

  scalar(value: number, dtype: DType = this.dtype): string {
    return this.e.scalar(value, dtype);
  }

  ints(values: readonly number[]): string {
    return this.e.ints(values);
  }

  cast(scope: string, x: string, to: DType): string {
    return this.op(scope, 'Cast', [x], { to: intAttr(dtypes[to].onnx) });
  }

  // --- in-graph shape plumbing (only when dynamicShapes) ---------------------------------------------------
  shape(scope: string, x: string): string {
    return this.op(scope, 'Shape', [x]);
  }

  /** `x.shape[i]` as a 0-d int64 value. */
  dim(scope: string, shape: string, index: number): string {
    return this.op(scope, 'Gather', [shape, this.e.constant(int64Tensor([index], []))], { axis: intAttr(0) });
  }

  /** torch's `reshape(a, b, …)` argument: each computed dim unsqueezed, then one Concat. */
  shapeVector(scope: string, parts: readonly DimPart[]): string {
    const pieces = parts.map((p) =>
      typeof p === 'number' ? this.ints([p]) : this.op(scope, 'Unsqueeze', [p, this.ints([0])]),
    );
    return this.op(scope, 'Concat', pieces, { axis: intAttr(0) });
  }

  /** int64 arithmetic on computed dims. */
  dimOp(scope: string, opType: 'Mul' | 'Div' | 'Add', a: string, b: number): string {
    return this.op(scope, opType, [a, this.e.constant(int64Tensor([b], []))]);
  }

  /** Reshape to static dims; with dynamicShapes the target comes from `dynamicShape` (built lazily). */
  reshape(scope: string, x: string, dims: readonly number[], dynamicShape: () => string): string {
    if (this.dynamic) return this.opWithKnownType(scope, 'Reshape', [x, dynamicShape()], dims, this.e.type(x).dtype);
    return this.op(scope, 'Reshape', [x, this.ints(dims)]);
  }
}
