// The one place that adds nodes to a graph: fresh names, cached constants, and opset-aware signatures
// (ReduceSum takes axes as an input from opset 13, ReduceMean from 18, Squeeze/Unsqueeze/Split from 13).
// Every emitted node gets its output types inferred at once, so rules can ask for any value's shape.
import type { DType } from './dtype.ts';
import { dtypes } from './dtype.ts';
import { intAttr, intsAttr, type Attr, type Graph, type Node, type TensorType } from './ir.ts';
import { broadcastAxes } from './broadcast.ts';
import { fromNumbers, int64Tensor, numel, type ConstTensor } from './tensor.ts';
import { inferNode } from './shape-context.ts';

export class GraphEmitter {
  private counter = 0;
  private readonly constCache = new Map<string, string>();

  constructor(
    readonly graph: Graph,
    readonly opset: number,
    private readonly prefix: string,
  ) {}

  fresh(hint: string): string {
    let name: string;
    do name = `${this.prefix}${hint}_${this.counter++}`;
    while (this.graph.types.has(name) || this.graph.initializers.has(name));
    return name;
  }

  type(name: string): TensorType {
    const t = this.graph.types.get(name);
    if (!t) throw new RangeError(`no static type for '${name}'`);
    return t;
  }

  dims(name: string): readonly number[] {
    return this.type(name).dims;
  }

  constant(t: ConstTensor, hint = 'const'): string {
    const small = numel(t.dims) <= 16;
    const key = small
      ? `${t.dtype}|${t.dims.join(',')}|${Array.from(t.data as ArrayLike<number | bigint>).join(',')}`
      : '';
    const cached = small ? this.constCache.get(key) : undefined;
    if (cached) return cached;
    const name = this.fresh(hint);
    this.graph.initializers.set(name, { name, dtype: t.dtype, dims: t.dims, data: t });
    this.graph.types.set(name, { dtype: t.dtype, dims: t.dims });
    if (small) this.constCache.set(key, name);
    return name;
  }

  scalar(value: number, dtype: DType): string {
    return this.constant(fromNumbers(dtype, [], [value]), 'scalar');
  }

  ints(values: readonly number[]): string {
    return this.constant(int64Tensor(values), 'ints');
  }

  /** Adds one node; returns its output names (fresh unless given). */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, Attr> = {},
    opts: { outputs?: number; names?: string[]; name?: string } = {},
  ): string[] {
    const count = opts.names?.length ?? opts.outputs ?? 1;
    const outputs = opts.names ?? Array.from({ length: count }, () => this.fresh(opType.toLowerCase()));
    const node: Node = {
      name: opts.name ?? this.fresh(`${opType}`),
      opType,
      domain: '',
      inputs: [...inputs],
      outputs,
      attrs,
    };
    this.graph.nodes.push(node);
    inferNode(this.graph, node, this.opset);
    return outputs;
  }

  op1(opType: string, inputs: readonly string[], attrs: Record<string, Attr> = {}): string {
    return this.op(opType, inputs, attrs)[0]!;
  }

  // --- elementwise -------------------------------------------------------------------------------------
  add = (a: string, b: string) => this.op1('Add', [a, b]);
  sub = (a: string, b: string) => this.op1('Sub', [a, b]);
  mul = (a: string, b: string) => this.op1('Mul', [a, b]);
  div = (a: string, b: string) => this.op1('Div', [a, b]);
  /** −a as a Mul by −1: CoreML has no Neg kernel (docs/providers.md), and the Mul costs the same everywhere. */
  neg = (a: string) => this.scale(a, -1);
  matmul = (a: string, b: string) => this.op1('MatMul', [a, b]);
  /** Multiplies by a constant of x's dtype. */
  scale = (x: string, k: number) => (k === 1 ? x : this.mul(x, this.scalar(k, this.type(x).dtype)));

  cast(x: string, to: DType): string {
    return this.type(x).dtype === to ? x : this.op1('Cast', [x], { to: intAttr(dtypes[to].onnx) });
  }

  /**
   * A chain of Adds rather than one variadic Sum: WebGPU has no Sum kernel (a Sum there runs on the CPU provider and
   * copies every term to the host and back), and every provider runs Add (docs/providers.md).
   */
  sum(terms: readonly string[]): string {
    if (terms.length === 0) throw new RangeError('sum of nothing');
    return terms.slice(1).reduce((acc, t) => this.add(acc, t), terms[0]!);
  }

  // --- shape -------------------------------------------------------------------------------------------
  reshape(x: string, dims: readonly number[]): string {
    const cur = this.dims(x);
    if (cur.length === dims.length && cur.every((d, i) => d === dims[i])) return x;
    return this.op1('Reshape', [x, this.ints(dims)]);
  }

  transpose(x: string, perm: readonly number[]): string {
    if (perm.every((p, i) => p === i)) return x;
    return this.op1('Transpose', [x], { perm: intsAttr(perm) });
  }

  /** Swaps the last two axes. */
  transposeLast2(x: string): string {
    const r = this.dims(x).length;
    return this.transpose(x, [...Array.from({ length: r - 2 }, (_, i) => i), r - 1, r - 2]);
  }

  unsqueeze(x: string, axes: readonly number[]): string {
    if (axes.length === 0) return x;
    return this.opset >= 13
      ? this.op1('Unsqueeze', [x, this.ints(axes)])
      : this.op1('Unsqueeze', [x], { axes: intsAttr(axes) });
  }

  reduce(opType: 'ReduceSum' | 'ReduceMean', x: string, axes: readonly number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    const axesAsInput = opType === 'ReduceSum' ? this.opset >= 13 : this.opset >= 18;
    return axesAsInput
      ? this.op1(opType, [x, this.ints(axes)], { keepdims: intAttr(keepdims ? 1 : 0) })
      : this.op1(opType, [x], { axes: intsAttr(axes), keepdims: intAttr(keepdims ? 1 : 0) });
  }

  reduceSum = (x: string, axes: readonly number[], keepdims = true) => this.reduce('ReduceSum', x, axes, keepdims);
  reduceMean = (x: string, axes: readonly number[], keepdims = true) => this.reduce('ReduceMean', x, axes, keepdims);

  split(x: string, sizes: readonly number[], axis: number): string[] {
    if (sizes.length === 1) return [x];
    const outputs = sizes.length;
    return this.opset >= 13
      ? this.op('Split', [x, this.ints(sizes)], { axis: intAttr(axis) }, { outputs })
      : this.op('Split', [x], { axis: intAttr(axis), split: intsAttr(sizes) }, { outputs });
  }

  pad(x: string, pads: readonly number[]): string {
    if (pads.every((p) => p === 0)) return x;
    return this.opset >= 11 ? this.op1('Pad', [x, this.ints(pads)]) : this.op1('Pad', [x], { pads: intsAttr(pads) });
  }

  /**
   * Broadcasts x to `dims` with Tile (x reshaped to the same rank first): CoreML has no Expand kernel, and every
   * provider runs Tile (docs/providers.md).
   */
  expand(x: string, dims: readonly number[]): string {
    const cur = this.dims(x);
    if (cur.length === dims.length && cur.every((d, i) => d === dims[i])) return x;
    const ranked = this.reshape(x, [...new Array<number>(dims.length - cur.length).fill(1), ...cur]);
    const rd = this.dims(ranked);
    if (rd.some((d, i) => d !== 1 && d !== dims[i]))
      throw new RangeError(`cannot broadcast [${cur.join(',')}] to [${dims.join(',')}]`);
    return this.op1('Tile', [ranked, this.ints(dims.map((d, i) => d / rd[i]!))]);
  }

  zeros(dims: readonly number[], dtype: DType): string {
    const value = fromNumbers(dtype, [1], [0]);
    return this.op1('ConstantOfShape', [this.ints(dims)], { value: { type: 'tensor', value } });
  }

  /** Sums a broadcast gradient back to the operand's shape (ORT's HandleBroadcasting, with static axes). */
  unbroadcast(grad: string, target: readonly number[]): string {
    const gd = this.dims(grad);
    const axes = broadcastAxes(target, gd);
    const reduced = this.reduceSum(grad, axes, true);
    return this.reshape(reduced, target);
  }
}
