// Static shape inference, one row per op type. Every rule sees the input types and the values of constant
// inputs, so Reshape/Slice/Expand/Resize arguments must be constant by the time a rule runs (the normaliser
// folds them first). A missing row fails loudly with the op name.
import type { DType } from './dtype.ts';
import { attrInt, attrInts, type Node, type TensorType } from './ir.ts';
import { broadcastShapes, normAxis } from './broadcast.ts';
import { numel, toNumbers, type ConstTensor } from './tensor.ts';
import { dtypeFromOnnx } from './dtype.ts';

export interface ShapeContext {
  readonly opset: number;
  type(i: number): TensorType;
  /** The value of input i when it is a known constant. */
  constant(i: number): ConstTensor | undefined;
  has(i: number): boolean;
}

type ShapeRule = (node: Node, c: ShapeContext) => TensorType[];

const need = (c: ShapeContext, i: number, node: Node, what: string): number[] => {
  const t = c.constant(i);
  if (!t)
    throw new RangeError(`${node.opType} '${node.name}': ${what} (input ${i}) must be a constant for static shapes`);
  return toNumbers(t);
};

/** Axes for ops that take them as an attribute in older opsets and as input 1 later. */
export function axesOf(node: Node, c: ShapeContext, inputIndex = 1): number[] | undefined {
  const fromAttr = attrInts(node, 'axes');
  if (fromAttr) return [...fromAttr];
  if (c.has(inputIndex)) return need(c, inputIndex, node, 'axes');
  return undefined;
}

const same: ShapeRule = (_n, c) => [c.type(0)];
const broadcastAll: ShapeRule = (_n, c) => {
  const inputs = [];
  for (let i = 0; c.has(i); i++) inputs.push(c.type(i).dims);
  return [{ dtype: c.type(0).dtype, dims: broadcastShapes(...inputs) }];
};
const compare: ShapeRule = (n, c) => [{ dtype: 'bool', dims: broadcastAll(n, c)[0]!.dims }];

const reduce: ShapeRule = (node, c) => {
  const x = c.type(0);
  const axes = axesOf(node, c);
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const noop = attrInt(node, 'noop_with_empty_axes', 0) === 1;
  if (!axes || axes.length === 0) {
    if (noop) return [x];
    return [{ dtype: x.dtype, dims: keep ? x.dims.map(() => 1) : [] }];
  }
  const set = new Set(axes.map((a) => normAxis(a, x.dims.length)));
  const dims = keep ? x.dims.map((d, i) => (set.has(i) ? 1 : d)) : x.dims.filter((_, i) => !set.has(i));
  return [{ dtype: x.dtype, dims }];
};

function convOut(node: Node, c: ShapeContext, transpose: boolean): TensorType[] {
  const x = c.type(0);
  const w = c.type(1);
  const spatial = x.dims.length - 2;
  const kernel = attrInts(node, 'kernel_shape') ?? w.dims.slice(2);
  const strides = attrInts(node, 'strides') ?? new Array<number>(spatial).fill(1);
  const dil = attrInts(node, 'dilations') ?? new Array<number>(spatial).fill(1);
  const pads = attrInts(node, 'pads') ?? new Array<number>(2 * spatial).fill(0);
  const autoPad = node.attrs['auto_pad']?.type === 'string' ? node.attrs['auto_pad'].value : 'NOTSET';
  const group = attrInt(node, 'group', 1);
  const dims = [x.dims[0]!, transpose ? w.dims[1]! * group : w.dims[0]!];
  for (let i = 0; i < spatial; i++) {
    const inD = x.dims[i + 2]!;
    const k = (kernel[i]! - 1) * dil[i]! + 1;
    const s = strides[i]!;
    if (transpose) {
      const outShape = attrInts(node, 'output_shape');
      if (outShape) dims.push(outShape[outShape.length - spatial + i]!);
      else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') dims.push(inD * s);
      else dims.push(s * (inD - 1) + (attrInts(node, 'output_padding')?.[i] ?? 0) + k - pads[i]! - pads[i + spatial]!);
    } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      dims.push(Math.ceil(inD / s));
    } else if (autoPad === 'VALID') {
      dims.push(Math.floor((inD - k) / s) + 1);
    } else {
      dims.push(Math.floor((inD + pads[i]! + pads[i + spatial]! - k) / s) + 1);
    }
  }
  return [{ dtype: x.dtype, dims }];
}

function reshapeTarget(shape: number[], input: readonly number[], allowZero: boolean): number[] {
  const out = shape.map((d, i) => (d === 0 && !allowZero ? input[i]! : d));
  const known = out.reduce((a, d) => (d === -1 ? a : a * d), 1);
  const total = numel(input);
  return out.map((d) => (d === -1 ? total / known : d));
}

function sliceDims(x: readonly number[], starts: number[], ends: number[], axes: number[], steps: number[]): number[] {
  const dims = [...x];
  axes.forEach((a0, i) => {
    const a = normAxis(a0, x.length);
    const d = x[a]!;
    const step = steps[i] ?? 1;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    let s = starts[i]!;
    let e = ends[i]!;
    s = s < 0 ? s + d : s;
    e = e < 0 ? e + d : e;
    if (step > 0) {
      s = clamp(s, 0, d);
      e = clamp(e, 0, d);
      dims[a] = Math.max(0, Math.ceil((e - s) / step));
    } else {
      s = clamp(s, 0, d - 1);
      e = clamp(e, -1, d - 1);
      dims[a] = Math.max(0, Math.ceil((e - s) / step));
    }
  });
  return dims;
}

/** Slice arguments in either signature (attributes before opset 10, inputs after). */
export function sliceArgs(
  node: Node,
  c: ShapeContext,
): { starts: number[]; ends: number[]; axes: number[]; steps: number[] } {
  const rank = c.type(0).dims.length;
  if (c.opset < 10) {
    const starts = [...(attrInts(node, 'starts') ?? [])];
    const ends = [...(attrInts(node, 'ends') ?? [])];
    const axes = [...(attrInts(node, 'axes') ?? starts.map((_, i) => i))];
    return { starts, ends, axes: axes.map((a) => normAxis(a, rank)), steps: starts.map(() => 1) };
  }
  const starts = need(c, 1, node, 'starts');
  const ends = need(c, 2, node, 'ends');
  const axes = c.has(3) ? need(c, 3, node, 'axes') : starts.map((_, i) => i);
  const steps = c.has(4) ? need(c, 4, node, 'steps') : starts.map(() => 1);
  return { starts, ends, axes: axes.map((a) => normAxis(a, rank)), steps };
}

export function splitSizes(node: Node, c: ShapeContext): number[] {
  const x = c.type(0);
  const axis = normAxis(attrInt(node, 'axis', 0), x.dims.length);
  const fromAttr = attrInts(node, 'split');
  if (fromAttr) return [...fromAttr];
  if (c.has(1)) return need(c, 1, node, 'split');
  const parts = attrInt(node, 'num_outputs') ?? node.outputs.length;
  const size = Math.ceil(x.dims[axis]! / parts);
  return Array.from({ length: parts }, (_, i) => Math.min(size, x.dims[axis]! - i * size));
}

export function resizeOutDims(node: Node, c: ShapeContext): number[] {
  const x = c.type(0).dims;
  const scalesIndex = c.opset >= 11 ? 2 : 1;
  if (c.opset >= 11 && c.has(3)) return need(c, 3, node, 'sizes');
  const scales = need(c, scalesIndex, node, 'scales');
  return x.map((d, i) => Math.floor(d * scales[i]!));
}

export const shapeRules: Readonly<Record<string, ShapeRule>> = {
  Identity: same,
  Sqrt: same,
  Erf: same,
  Sigmoid: same,
  Tanh: same,
  Exp: same,
  Log: same,
  Neg: same,
  Sin: same,
  Cos: same,
  Relu: same,
  Abs: same,
  Reciprocal: same,
  Softmax: same,
  LogSoftmax: same,
  Clip: same,
  Sign: same,
  Floor: same,
  Ceil: same,
  Round: same,
  LeakyRelu: same,
  Gelu: same,
  Softplus: same,
  Trilu: same,
  Not: same,
  InstanceNormalization: same,
  GroupNormalization: same,
  BatchNormalization: same,
  ScatterND: same,
  Dropout: (_n, c) => [c.type(0), { dtype: 'bool', dims: c.type(0).dims }],
  LayerNormalization: (node, c) => {
    const x = c.type(0);
    const axis = normAxis(attrInt(node, 'axis', -1), x.dims.length);
    const stat = x.dims.map((d, i) => (i < axis ? d : 1));
    return [x, { dtype: 'float32', dims: stat }, { dtype: 'float32', dims: stat }];
  },
  Cast: (node, c) => [{ dtype: dtypeFromOnnx(attrInt(node, 'to', 1)) ?? 'float32', dims: c.type(0).dims }],
  Add: broadcastAll,
  Sub: broadcastAll,
  Mul: broadcastAll,
  Div: broadcastAll,
  Pow: broadcastAll,
  Max: broadcastAll,
  Min: broadcastAll,
  Sum: broadcastAll,
  Mean: broadcastAll,
  Mod: broadcastAll,
  Equal: compare,
  Less: compare,
  Greater: compare,
  LessOrEqual: compare,
  GreaterOrEqual: compare,
  And: compare,
  Or: compare,
  Xor: compare,
  Where: (_n, c) => [{ dtype: c.type(1).dtype, dims: broadcastShapes(c.type(0).dims, c.type(1).dims, c.type(2).dims) }],
  MatMul: (_n, c) => {
    const a = c.type(0).dims;
    const b = c.type(1).dims;
    const a2 = a.length === 1 ? [1, a[0]!] : a;
    const b2 = b.length === 1 ? [b[0]!, 1] : b;
    const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
    const dims = [
      ...batch,
      ...(a.length === 1 ? [] : [a2[a2.length - 2]!]),
      ...(b.length === 1 ? [] : [b2[b2.length - 1]!]),
    ];
    return [{ dtype: c.type(0).dtype, dims }];
  },
  Gemm: (node, c) => {
    const a = c.type(0).dims;
    const b = c.type(1).dims;
    const m = attrInt(node, 'transA', 0) ? a[1]! : a[0]!;
    const n = attrInt(node, 'transB', 0) ? b[0]! : b[1]!;
    return [{ dtype: c.type(0).dtype, dims: [m, n] }];
  },
  Conv: (node, c) => convOut(node, c, false),
  ConvTranspose: (node, c) => convOut(node, c, true),
  ReduceMean: reduce,
  ReduceSum: reduce,
  ReduceMax: reduce,
  ReduceMin: reduce,
  ReduceProd: reduce,
  ReduceL2: reduce,
  ReduceSumSquare: reduce,
  ArgMax: (node, c) => {
    const x = c.type(0).dims;
    const axis = normAxis(attrInt(node, 'axis', 0), x.length);
    const keep = attrInt(node, 'keepdims', 1) === 1;
    return [{ dtype: 'int64', dims: keep ? x.map((d, i) => (i === axis ? 1 : d)) : x.filter((_, i) => i !== axis) }];
  },
  Reshape: (node, c) => [
    {
      dtype: c.type(0).dtype,
      dims: reshapeTarget(need(c, 1, node, 'shape'), c.type(0).dims, attrInt(node, 'allowzero', 0) === 1),
    },
  ],
  Flatten: (node, c) => {
    const x = c.type(0).dims;
    const axis = normAxis(attrInt(node, 'axis', 1), x.length);
    return [{ dtype: c.type(0).dtype, dims: [numel(x.slice(0, axis)), numel(x.slice(axis))] }];
  },
  Transpose: (node, c) => {
    const x = c.type(0).dims;
    const perm = attrInts(node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
    return [{ dtype: c.type(0).dtype, dims: perm.map((p) => x[p]!) }];
  },
  Squeeze: (node, c) => {
    const x = c.type(0).dims;
    const axes = axesOf(node, c)?.map((a) => normAxis(a, x.length));
    return [{ dtype: c.type(0).dtype, dims: x.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)) }];
  },
  Unsqueeze: (node, c) => {
    const x = c.type(0).dims;
    const axes = axesOf(node, c) ?? [];
    const rank = x.length + axes.length;
    const set = new Set(axes.map((a) => normAxis(a, rank)));
    const dims: number[] = [];
    let j = 0;
    for (let i = 0; i < rank; i++) dims.push(set.has(i) ? 1 : x[j++]!);
    return [{ dtype: c.type(0).dtype, dims }];
  },
  Concat: (node, c) => {
    const first = c.type(0);
    const axis = normAxis(attrInt(node, 'axis', 0), first.dims.length);
    let total = 0;
    for (let i = 0; c.has(i); i++) total += c.type(i).dims[axis]!;
    return [{ dtype: first.dtype, dims: first.dims.map((d, i) => (i === axis ? total : d)) }];
  },
  Split: (node, c) => {
    const x = c.type(0);
    const axis = normAxis(attrInt(node, 'axis', 0), x.dims.length);
    return splitSizes(node, c).map((s) => ({ dtype: x.dtype, dims: x.dims.map((d, i) => (i === axis ? s : d)) }));
  },
  Slice: (node, c) => {
    const { starts, ends, axes, steps } = sliceArgs(node, c);
    return [{ dtype: c.type(0).dtype, dims: sliceDims(c.type(0).dims, starts, ends, axes, steps) }];
  },
  Expand: (node, c) => [{ dtype: c.type(0).dtype, dims: broadcastShapes(c.type(0).dims, need(c, 1, node, 'shape')) }],
  Tile: (node, c) => {
    const reps = need(c, 1, node, 'repeats');
    return [{ dtype: c.type(0).dtype, dims: c.type(0).dims.map((d, i) => d * reps[i]!) }];
  },
  Pad: (node, c) => {
    const x = c.type(0).dims;
    const pads = attrInts(node, 'pads') ?? need(c, 1, node, 'pads');
    return [{ dtype: c.type(0).dtype, dims: x.map((d, i) => d + pads[i]! + pads[i + x.length]!) }];
  },
  Resize: (node, c) => [{ dtype: c.type(0).dtype, dims: resizeOutDims(node, c) }],
  Gather: (node, c) => {
    const x = c.type(0).dims;
    const axis = normAxis(attrInt(node, 'axis', 0), x.length);
    return [{ dtype: c.type(0).dtype, dims: [...x.slice(0, axis), ...c.type(1).dims, ...x.slice(axis + 1)] }];
  },
  Shape: (node, c) => {
    const r = c.type(0).dims.length;
    const start = normAxis(attrInt(node, 'start', 0), r);
    const end = normAxis(attrInt(node, 'end', r), r);
    return [{ dtype: 'int64', dims: [Math.max(0, Math.min(end, r) - Math.max(start, 0))] }];
  },
  Size: () => [{ dtype: 'int64', dims: [] }],
  ConstantOfShape: (node, c) => {
    const v = node.attrs['value'];
    const dtype: DType = v?.type === 'tensor' ? v.value.dtype : 'float32';
    return [{ dtype, dims: need(c, 0, node, 'shape') }];
  },
  Constant: (node) => {
    const v = node.attrs['value'];
    if (v?.type === 'tensor') return [{ dtype: v.value.dtype, dims: v.value.dims }];
    if (node.attrs['value_float']) return [{ dtype: 'float32', dims: [] }];
    if (node.attrs['value_int']) return [{ dtype: 'int64', dims: [] }];
    if (node.attrs['value_ints']) return [{ dtype: 'int64', dims: [attrInts(node, 'value_ints')!.length] }];
    if (node.attrs['value_floats'])
      return [{ dtype: 'float32', dims: [(node.attrs['value_floats'].value as number[]).length] }];
    throw new RangeError(`Constant '${node.name}' has no supported value attribute`);
  },
  Range: (node, c) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => need(c, i, node, 'range argument')[0]!);
    return [{ dtype: c.type(0).dtype, dims: [Math.max(Math.ceil((limit! - start!) / delta!), 0)] }];
  },
  HardSigmoid: same,
};
