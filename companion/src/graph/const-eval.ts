// Evaluates small constant subgraphs in JS (the Shape -> Gather -> Concat plumbing of PyTorch exports), so that
// Reshape/Slice/Expand get constant arguments. Values are computed as plain numbers; output types come from the
// shape rules. Only ops whose folding we need are listed; anything else is left in the graph.
import { attrFloat, attrInt, attrInts, type Node, type TensorType } from './ir.ts';
import { normAxis } from './broadcast.ts';
import { numel, toNumbers, type ConstTensor } from './tensor.ts';
import { sliceArgs, splitSizes, type ShapeContext } from './shape-rules.ts';

type Values = number[];
type EvalRule = (node: Node, x: readonly ConstTensor[], out: readonly TensorType[], c: ShapeContext) => Values[];

const strides = (dims: readonly number[]): number[] => {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
};

/** Gathers the elements of `t` seen at each index of a broadcast output of shape `out`. */
function broadcastTo(t: ConstTensor, out: readonly number[]): Values {
  const v = toNumbers(t);
  const n = numel(out);
  const os = strides(out);
  const lead = out.length - t.dims.length;
  const ts = strides(t.dims);
  const res = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let a = lead; a < out.length; a++) {
      const idx = Math.floor(i / os[a]!) % out[a]!;
      if (t.dims[a - lead] !== 1) src += idx * ts[a - lead]!;
    }
    res[i] = v[src]!;
  }
  return res;
}

const elementwise =
  (f: (...a: number[]) => number): EvalRule =>
  (_n, x, out) => {
    const cols = x.map((t) => broadcastTo(t, out[0]!.dims));
    return [cols[0]!.map((_, i) => f(...cols.map((c) => c[i]!)))];
  };

const isInt = (t: TensorType) => t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'float64';

const passthrough: EvalRule = (_n, x) => [toNumbers(x[0]!)];

export const evalRules: Readonly<Record<string, EvalRule>> = {
  Identity: passthrough,
  Reshape: passthrough,
  Squeeze: passthrough,
  Unsqueeze: passthrough,
  Flatten: passthrough,
  Cast: (_n, x, out) => [toNumbers(x[0]!).map((v) => (isInt(out[0]!) ? Math.trunc(v) : v))],
  Add: elementwise((a, b) => a + b),
  Sub: elementwise((a, b) => a - b),
  Mul: elementwise((a, b) => a * b),
  Div: (n, x, out, c) => elementwise((a, b) => (isInt(out[0]!) ? Math.trunc(a / b) : a / b))(n, x, out, c),
  Pow: elementwise((a, b) => a ** b),
  Neg: elementwise((a) => -a),
  Sqrt: elementwise(Math.sqrt),
  Exp: elementwise(Math.exp),
  Sin: elementwise(Math.sin),
  Cos: elementwise(Math.cos),
  Floor: elementwise(Math.floor),
  Ceil: elementwise(Math.ceil),
  Abs: elementwise(Math.abs),
  Max: elementwise(Math.max),
  Min: elementwise(Math.min),
  Equal: elementwise((a, b) => Number(a === b)),
  Less: elementwise((a, b) => Number(a < b)),
  Greater: elementwise((a, b) => Number(a > b)),
  Not: elementwise((a) => Number(!a)),
  And: elementwise((a, b) => Number(a && b)),
  Or: elementwise((a, b) => Number(a || b)),
  Where: elementwise((c, a, b) => (c ? a : b)),
  Expand: (_n, x, out) => [broadcastTo(x[0]!, out[0]!.dims)],
  ConstantOfShape: (node, _x, out) => {
    const v = node.attrs['value'];
    const fill = v?.type === 'tensor' ? (toNumbers(v.value)[0] ?? 0) : 0;
    return [new Array<number>(numel(out[0]!.dims)).fill(fill)];
  },
  Range: (_n, x, out) => {
    const [start, , delta] = x.map((t) => toNumbers(t)[0]!);
    return [Array.from({ length: numel(out[0]!.dims) }, (_, i) => start! + i * delta!)];
  },
  Concat: (node, x) => [concat(node, x)],
  Gather: (node, x) => {
    const data = x[0]!;
    const axis = normAxis(attrInt(node, 'axis', 0), data.dims.length);
    const idx = toNumbers(x[1]!).map((i) => (i < 0 ? i + data.dims[axis]! : i));
    const v = toNumbers(data);
    const outer = numel(data.dims.slice(0, axis));
    const inner = numel(data.dims.slice(axis + 1));
    const res: number[] = [];
    for (let o = 0; o < outer; o++)
      for (const i of idx) for (let k = 0; k < inner; k++) res.push(v[(o * data.dims[axis]! + i) * inner + k]!);
    return [res];
  },
  Slice: (node, x, out, c) => {
    const data = x[0]!;
    const { starts, axes, steps } = sliceArgs(node, c);
    const v = toNumbers(data);
    const ds = strides(data.dims);
    const od = out[0]!.dims;
    const os = strides(od);
    const begin = data.dims.map(() => 0);
    const step = data.dims.map(() => 1);
    axes.forEach((a, i) => {
      const d = data.dims[a]!;
      let s = starts[i]!;
      s = s < 0 ? s + d : s;
      begin[a] = steps[i]! > 0 ? Math.min(Math.max(s, 0), d) : Math.min(Math.max(s, 0), d - 1);
      step[a] = steps[i]!;
    });
    return [
      Array.from({ length: numel(od) }, (_, i) => {
        let src = 0;
        for (let a = 0; a < od.length; a++) src += (begin[a]! + (Math.floor(i / os[a]!) % od[a]!) * step[a]!) * ds[a]!;
        return v[src]!;
      }),
    ];
  },
  Transpose: (node, x, out) => {
    const t = x[0]!;
    const perm = attrInts(node, 'perm') ?? t.dims.map((_, i) => t.dims.length - 1 - i);
    const v = toNumbers(t);
    const ts = strides(t.dims);
    const od = out[0]!.dims;
    const os = strides(od);
    return [
      Array.from({ length: numel(od) }, (_, i) => {
        let src = 0;
        for (let a = 0; a < od.length; a++) src += (Math.floor(i / os[a]!) % od[a]!) * ts[perm[a]!]!;
        return v[src]!;
      }),
    ];
  },
  Split: (node, x, _out, c) => {
    const t = x[0]!;
    const axis = normAxis(attrInt(node, 'axis', 0), t.dims.length);
    const v = toNumbers(t);
    const outer = numel(t.dims.slice(0, axis));
    const inner = numel(t.dims.slice(axis + 1));
    let offset = 0;
    return splitSizes(node, c).map((size) => {
      const res: number[] = [];
      for (let o = 0; o < outer; o++)
        for (let k = 0; k < size * inner; k++) res.push(v[(o * t.dims[axis]! + offset) * inner + k]!);
      offset += size;
      return res;
    });
  },
  Size: (_n, x) => [[numel(x[0]!.dims)]],
  Clip: (node, x) => {
    const lo = x[1] ? toNumbers(x[1])[0]! : attrFloat(node, 'min', -Infinity);
    const hi = x[2] ? toNumbers(x[2])[0]! : attrFloat(node, 'max', Infinity);
    return [toNumbers(x[0]!).map((v) => Math.min(Math.max(v, lo), hi))];
  },
};

function concat(node: Node, x: readonly ConstTensor[]): Values {
  const axis = normAxis(attrInt(node, 'axis', 0), x[0]!.dims.length);
  const outer = numel(x[0]!.dims.slice(0, axis));
  const vals = x.map((t) => toNumbers(t));
  const res: number[] = [];
  for (let o = 0; o < outer; o++) {
    x.forEach((t, j) => {
      const chunk = numel(t.dims.slice(axis));
      res.push(...vals[j]!.slice(o * chunk, (o + 1) * chunk));
    });
  }
  return res;
}
