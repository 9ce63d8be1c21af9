// Gradients of ops that only move data: reshapes, transposes, concat/split, slices, broadcasts, gathers,
// nearest-neighbour resizes. Shapes are static after normalisation, so every shape argument is a constant.
import { attrInt, attrInts, attrString, intAttr } from '../../graph/ir.ts';
import { normAxis } from '../../graph/broadcast.ts';
import { numel, toNumbers } from '../../graph/tensor.ts';
import { resizeOutDims, sliceArgs, splitSizes } from '../../graph/shape-rules.ts';
import { shapeContext } from '../../graph/shape-context.ts';
import { RuleError, type GradientRule } from '../rule.ts';

/** Any op whose output is its input's elements in the same order: Reshape, Flatten, Squeeze, Unsqueeze. */
export const reshapeLike: GradientRule = ([dy], c) => (dy && c.needs(0) ? [c.e.reshape(dy, c.dims(c.x(0)))] : []);

export const transpose: GradientRule = ([dy], c) => {
  if (!dy || !c.needs(0)) return [];
  const rank = c.dims(c.x(0)).length;
  const perm = attrInts(c.node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const inverse = new Array<number>(rank);
  perm.forEach((p, i) => (inverse[p] = i));
  return [c.e.transpose(dy, inverse)];
};

export const concat: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const rank = c.dims(c.x(0)).length;
  const axis = normAxis(attrInt(c.node, 'axis', 0), rank);
  const sizes = c.node.inputs.map((x) => c.dims(x)[axis]!);
  const parts = c.e.split(dy, sizes, axis);
  return parts.map((p, i) => (c.needs(i) ? p : null));
};

/** Outputs without a gradient contribute zeros to the concatenation. */
export const split: GradientRule = (dys, c) => {
  if (!c.needs(0) || dys.every((d) => !d)) return [];
  const x = c.dims(c.x(0));
  const axis = normAxis(attrInt(c.node, 'axis', 0), x.length);
  const sizes = splitSizes(c.node, shapeContext(c.e.graph, c.node, c.e.opset));
  const dtype = c.e.type(c.x(0)).dtype;
  const parts = sizes.map(
    (s, i) =>
      dys[i] ??
      c.e.zeros(
        x.map((d, a) => (a === axis ? s : d)),
        dtype,
      ),
  );
  return [c.e.op1('Concat', parts, { axis: intAttr(axis) })];
};

/** A unit-step slice is the inverse of a zero Pad. */
export const slice: GradientRule = ([dy], c) => {
  if (!dy || !c.needs(0)) return [];
  const x = c.dims(c.x(0));
  const out = c.dims(dy);
  const { starts, axes, steps } = sliceArgs(c.node, shapeContext(c.e.graph, c.node, c.e.opset));
  if (steps.some((s) => s !== 1))
    throw new RuleError(c.node, `slices with steps [${steps.join(',')}] have no gradient rule yet; only step 1`);
  const pads = new Array<number>(2 * x.length).fill(0);
  axes.forEach((a, i) => {
    const d = x[a]!;
    const s = starts[i]! < 0 ? starts[i]! + d : starts[i]!;
    const begin = Math.min(Math.max(s, 0), d);
    pads[a] = begin;
    pads[a + x.length] = d - begin - out[a]!;
  });
  return [c.e.pad(dy, pads)];
};

export const expand: GradientRule = ([dy], c) => (dy && c.needs(0) ? [c.e.unbroadcast(dy, c.dims(c.x(0)))] : []);

/**
 * Gather along axis 0 of an embedding table: dTable = onehot(indices)ᵀ · dy. A one-hot MatMul instead of
 * ScatterND(reduction=add) keeps it valid below opset 16 and fast on every execution provider.
 */
export const gather: GradientRule = ([dy], c) => {
  if (!dy || !c.needs(0)) return [];
  const e = c.e;
  const data = c.dims(c.x(0));
  if (normAxis(attrInt(c.node, 'axis', 0), data.length) !== 0)
    throw new RuleError(c.node, 'only axis-0 Gather (embedding lookup) is differentiable');
  const vocab = data[0]!;
  const rows = numel(c.dims(c.x(1)));
  const width = numel(data.slice(1));
  // Gather accepts negative indices counted from the end; wrap them or their rows would match nothing.
  const raw = e.reshape(e.cast(c.x(1), 'int64'), [rows, 1]);
  const idx = e.op1('Where', [e.op1('Less', [raw, e.scalar(0, 'int64')]), e.add(raw, e.scalar(vocab, 'int64')), raw]);
  const range = e.constant(
    { dtype: 'int64', dims: [1, vocab], data: BigInt64Array.from({ length: vocab }, (_, i) => BigInt(i)) },
    'vocab_range',
  );
  const dtype = e.type(dy).dtype;
  const onehot = e.cast(e.op1('Equal', [idx, range]), dtype);
  const grad = e.matmul(e.transposeLast2(onehot), e.reshape(dy, [rows, width]));
  return [e.reshape(grad, data)];
};

/**
 * Nearest Resize by whole-number factors: each input pixel feeds an s₁×s₂ block of the output, so its
 * gradient is the block sum: Reshape to [N, C, H, s₁, W, s₂] and ReduceSum over the factor axes.
 */
export const resize: GradientRule = ([dy], c) => {
  if (!dy || !c.needs(0)) return [];
  const mode = attrString(c.node, 'mode', 'nearest');
  const ctm = attrString(c.node, 'coordinate_transformation_mode', 'half_pixel');
  const nearest = attrString(c.node, 'nearest_mode', 'round_prefer_floor');
  // Only these map output pixel i to input pixel floor(i/s) for whole factors s (block-structured); half_pixel
  // with floor or ceil shifts the blocks (e.g. [0,0,0,1,1,…] at s = 2), so its gradient is not a block sum.
  const supported =
    mode === 'nearest' &&
    ((ctm === 'asymmetric' && nearest === 'floor') || (ctm === 'half_pixel' && nearest.startsWith('round_prefer')));
  if (!supported)
    throw new RuleError(
      c.node,
      `Resize ${mode}/${ctm}/${nearest} has no gradient rule; only nearest with integer factors`,
    );
  const x = c.dims(c.x(0));
  const out = resizeOutDims(c.node, shapeContext(c.e.graph, c.node, c.e.opset));
  const factors = x.map((d, i) => out[i]! / d);
  if (factors.some((f) => !Number.isInteger(f)))
    throw new RuleError(c.node, `Resize factors [${factors.join(',')}] are not whole numbers`);
  const blocked = x.flatMap((d, i) => [d, factors[i]!]);
  const axes = x.map((_, i) => 2 * i + 1).filter((a) => blocked[a] !== 1);
  return [c.e.reshape(c.e.reduceSum(c.e.reshape(dy, blocked), axes, false), x)];
};

export const tile: GradientRule = ([dy], c) => {
  if (!dy || !c.needs(0)) return [];
  const x = c.dims(c.x(0));
  const reps = toNumbers(c.constant(1) ?? { dtype: 'int64', dims: [0], data: new BigInt64Array() });
  const blocked = x.flatMap((d, i) => [reps[i]!, d]);
  const axes = x.map((_, i) => 2 * i).filter((a) => blocked[a] !== 1);
  return [c.e.reshape(c.e.reduceSum(c.e.reshape(dy, blocked), axes, false), x)];
};
