// Every gradient rule against central finite differences on random inputs (float32 on ORT CPU), including
// broadcasting, batching and the opset variants of ops whose signature changed.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../graph/graph-builder.ts';
import { floatAttr, intAttr, intsAttr, stringAttr } from '../graph/ir.ts';
import { fromNumbers, int64Tensor, numel } from '../graph/tensor.ts';
import { Rng } from '../util/rng.ts';
import type { Feeds } from '../runtime/host-tensor.ts';
import { gradcheck } from './gradcheck.ts';
import { gradientRules } from './gradient-rules.ts';

interface Case {
  readonly name: string;
  readonly opset?: number;
  /** Builds the graph from inputs x0, x1, ... and returns the output value. */
  readonly inputs: readonly (readonly number[])[];
  readonly build: (b: GraphBuilder, xs: string[]) => string;
  readonly positive?: boolean;
  readonly wrt?: readonly number[];
}

const op =
  (type: string, attrs = {}) =>
  (b: GraphBuilder, xs: string[]) =>
    b.e.op1(type, xs, attrs);

const cases: Case[] = [
  {
    name: 'Add broadcast',
    inputs: [
      [2, 3, 4],
      [3, 1],
    ],
    build: op('Add'),
  },
  { name: 'Sub broadcast', inputs: [[4], [2, 3, 4]], build: op('Sub') },
  {
    name: 'Mul broadcast',
    inputs: [
      [2, 1, 4],
      [3, 1],
    ],
    build: op('Mul'),
  },
  { name: 'Div both', inputs: [[2, 3], [3]], build: op('Div'), positive: true },
  { name: 'Pow const 2', inputs: [[2, 5]], build: (b, [x]) => b.e.op1('Pow', [x!, b.e.scalar(2, 'float32')]) },
  {
    name: 'Pow const 1.5',
    inputs: [[2, 5]],
    build: (b, [x]) => b.e.op1('Pow', [x!, b.e.scalar(1.5, 'float32')]),
    positive: true,
  },
  { name: 'Pow both', inputs: [[2, 5], [5]], build: op('Pow'), positive: true },
  { name: 'Sum variadic', inputs: [[2, 3], [3], [1, 3]], build: op('Sum') },
  { name: 'Neg', inputs: [[7]], build: op('Neg') },
  { name: 'Reciprocal', inputs: [[7]], build: op('Reciprocal'), positive: true },
  { name: 'Sqrt', inputs: [[3, 4]], build: op('Sqrt'), positive: true },
  { name: 'Erf', inputs: [[3, 4]], build: op('Erf') },
  { name: 'Sigmoid', inputs: [[3, 4]], build: op('Sigmoid') },
  { name: 'Tanh', inputs: [[3, 4]], build: op('Tanh') },
  { name: 'Exp', inputs: [[3, 4]], build: op('Exp') },
  { name: 'Log', inputs: [[3, 4]], build: op('Log'), positive: true },
  { name: 'Sin', inputs: [[6]], build: op('Sin') },
  { name: 'Cos', inputs: [[6]], build: op('Cos') },
  { name: 'Relu', inputs: [[6, 5]], build: op('Relu') },
  { name: 'Abs', inputs: [[6, 5]], build: op('Abs') },
  { name: 'Identity', inputs: [[6]], build: op('Identity') },
  {
    name: 'Where broadcast',
    inputs: [[3, 4], [4]],
    build: (b, [x, y]) => b.e.op1('Where', [b.e.op1('Greater', [x!, b.e.scalar(0, 'float32')]), x!, y!]),
  },
  {
    name: 'Cast to fp16 and back',
    inputs: [[3, 4]],
    build: (b, [x]) => b.e.mul(b.e.cast(b.e.mul(b.e.cast(x!, 'float16'), b.e.cast(x!, 'float16')), 'float32'), x!),
  },
  {
    name: 'MatMul 2-D',
    inputs: [
      [3, 4],
      [4, 5],
    ],
    build: op('MatMul'),
  },
  {
    name: 'MatMul batched weight',
    inputs: [
      [2, 3, 4],
      [4, 5],
    ],
    build: op('MatMul'),
  },
  {
    name: 'MatMul batched both',
    inputs: [
      [2, 3, 3, 4],
      [2, 3, 4, 2],
    ],
    build: op('MatMul'),
  },
  {
    name: 'MatMul broadcast batch',
    inputs: [
      [2, 1, 3, 4],
      [3, 4, 2],
    ],
    build: op('MatMul'),
  },
  { name: 'MatMul vector left', inputs: [[4], [2, 4, 3]], build: op('MatMul') },
  { name: 'MatMul vector right', inputs: [[2, 3, 4], [4]], build: op('MatMul') },
  // Attention's shapes: a wide left operand (probabilities) makes dB = (Gᵀ·A)ᵀ, a wide right one dA = (B·Gᵀ)ᵀ.
  {
    name: 'MatMul wide left (P·V)',
    inputs: [
      [2, 6, 6],
      [2, 6, 2],
    ],
    build: op('MatMul'),
  },
  {
    name: 'MatMul wide right',
    inputs: [
      [2, 2, 6],
      [2, 6, 6],
    ],
    build: op('MatMul'),
  },
  {
    name: 'MatMul wide left, broadcast right',
    inputs: [
      [2, 6, 6],
      [6, 2],
    ],
    build: (b, [x, y]) => b.e.matmul(x!, b.e.reshape(y!, [1, 6, 2])),
  },
  {
    name: 'Gemm plain',
    inputs: [[3, 4], [4, 5], [5]],
    build: op('Gemm', { alpha: floatAttr(0.7), beta: floatAttr(1.3) }),
  },
  {
    name: 'Gemm transposed',
    inputs: [
      [4, 3],
      [5, 4],
      [3, 1],
    ],
    build: op('Gemm', { transA: intAttr(1), transB: intAttr(1) }),
  },
  {
    name: 'Conv 3x3 s1 p1 + bias',
    inputs: [[2, 3, 6, 6], [4, 3, 3, 3], [4]],
    build: op('Conv', { pads: intsAttr([1, 1, 1, 1]) }),
  },
  {
    name: 'Conv 3x3 s2 p1 even (output_padding)',
    inputs: [
      [1, 2, 8, 8],
      [3, 2, 3, 3],
    ],
    build: op('Conv', { strides: intsAttr([2, 2]), pads: intsAttr([1, 1, 1, 1]) }),
  },
  {
    name: 'Conv 3x3 s2 p1 odd',
    inputs: [
      [1, 2, 9, 9],
      [3, 2, 3, 3],
    ],
    build: op('Conv', { strides: intsAttr([2, 2]), pads: intsAttr([1, 1, 1, 1]) }),
  },
  {
    name: 'Conv 3x3 s2 p0 (gap beyond pads)',
    inputs: [
      [1, 2, 8, 8],
      [2, 2, 3, 3],
    ],
    build: op('Conv', { strides: intsAttr([2, 2]) }),
  },
  { name: 'Conv 1x1', inputs: [[2, 4, 5, 5], [3, 4, 1, 1], [3]], build: op('Conv') },
  {
    name: 'Conv grouped dilated',
    inputs: [
      [1, 4, 7, 7],
      [6, 2, 3, 3],
    ],
    build: op('Conv', { group: intAttr(2), dilations: intsAttr([2, 2]), pads: intsAttr([2, 2, 2, 2]) }),
  },
  {
    name: 'Conv SAME_UPPER s2',
    inputs: [
      [1, 2, 7, 7],
      [2, 2, 3, 3],
    ],
    build: op('Conv', { auto_pad: stringAttr('SAME_UPPER'), strides: intsAttr([2, 2]) }),
  },
  {
    name: 'ConvTranspose s2',
    inputs: [[1, 3, 4, 4]],
    build: (b, [x]) =>
      b.e.op1('ConvTranspose', [x!, b.weight('w', randomTensor([3, 2, 3, 3], 9))], {
        strides: intsAttr([2, 2]),
        pads: intsAttr([1, 1, 1, 1]),
        output_padding: intsAttr([1, 1]),
      }),
  },
  {
    name: 'InstanceNormalization',
    inputs: [[2, 3, 4, 5], [3], [3]],
    build: op('InstanceNormalization', { epsilon: floatAttr(1e-5) }),
  },
  {
    name: 'InstanceNormalization SD pattern (scale 1)',
    inputs: [[2, 8, 3, 3]],
    build: (b, [x]) => {
      const g = b.e.reshape(x!, [2, 4, 18]);
      const n = b.e.op1('InstanceNormalization', [
        g,
        b.e.constant(fromNumbers('float32', [4], [1, 1, 1, 1])),
        b.e.constant(fromNumbers('float32', [4], [0, 0, 0, 0])),
      ]);
      return b.e.reshape(n, [2, 8, 3, 3]);
    },
  },
  {
    name: 'LayerNormalization opset 17',
    opset: 17,
    inputs: [[2, 3, 6], [6], [6]],
    build: op('LayerNormalization', { epsilon: floatAttr(1e-5) }),
  },
  {
    name: 'LayerNormalization axis 1',
    opset: 17,
    inputs: [
      [2, 3, 4],
      [3, 4],
    ],
    build: op('LayerNormalization', { axis: intAttr(1) }),
  },
  {
    name: 'GroupNormalization opset 21',
    opset: 21,
    inputs: [[2, 6, 3, 3], [6], [6]],
    build: op('GroupNormalization', { num_groups: intAttr(3) }),
  },
  {
    name: 'ReduceSum axes input (13)',
    opset: 13,
    inputs: [[2, 3, 4]],
    build: (b, [x]) => b.e.reduceSum(x!, [1], false),
  },
  {
    name: 'ReduceMean axes attr (13)',
    opset: 13,
    inputs: [[2, 3, 4]],
    build: (b, [x]) => b.e.reduceMean(x!, [0, 2], true),
  },
  {
    name: 'ReduceMean axes input (18)',
    opset: 18,
    inputs: [[2, 3, 4]],
    build: (b, [x]) => b.e.reduceMean(x!, [-1], false),
  },
  { name: 'ReduceMean all', inputs: [[2, 3, 4]], build: op('ReduceMean', { keepdims: intAttr(0) }) },
  { name: 'Softmax last axis', inputs: [[2, 3, 5]], build: op('Softmax', { axis: intAttr(-1) }) },
  { name: 'Softmax middle axis', inputs: [[2, 3, 5]], build: op('Softmax', { axis: intAttr(1) }) },
  { name: 'Softmax opset 11 (flattened)', opset: 11, inputs: [[2, 3, 5]], build: op('Softmax', { axis: intAttr(1) }) },
  // Attention: Softmax's row sum taken from O = P·V (Σ P⊙dP = rowsum(dO⊙O)); then the forms where it must not be.
  {
    name: 'Softmax into MatMul (attention)',
    inputs: [
      [2, 4, 6],
      [2, 6, 3],
    ],
    build: (b, [x, v]) => b.e.matmul(b.e.op1('Softmax', [x!], { axis: intAttr(-1) }), v!),
  },
  {
    name: 'Softmax into MatMul and another consumer',
    inputs: [
      [2, 4, 6],
      [2, 6, 3],
    ],
    build: (b, [x, v]) => {
      const p = b.e.op1('Softmax', [x!], { axis: intAttr(-1) });
      return b.e.add(b.e.matmul(p, v!), b.e.reduceSum(b.e.mul(p, p), [2]));
    },
  },
  {
    name: 'Softmax as the right operand of MatMul',
    inputs: [
      [2, 6, 4],
      [2, 3, 6],
    ],
    build: (b, [x, u]) => b.e.matmul(u!, b.e.op1('Softmax', [x!], { axis: intAttr(-1) })),
  },
  {
    name: 'Softmax middle axis into MatMul',
    inputs: [
      [2, 6, 6],
      [2, 6, 3],
    ],
    build: (b, [x, v]) => b.e.matmul(b.e.op1('Softmax', [x!], { axis: intAttr(1) }), v!),
  },
  { name: 'LogSoftmax', inputs: [[2, 5]], build: op('LogSoftmax', { axis: intAttr(1) }) },
  {
    name: 'Reshape',
    inputs: [[2, 3, 4]],
    build: (b, [x]) => b.e.mul(b.e.reshape(x!, [6, 4]), b.e.constant(randomTensor([6, 4], 3))),
  },
  { name: 'Flatten', inputs: [[2, 3, 4]], build: op('Flatten', { axis: intAttr(2) }) },
  {
    name: 'Squeeze/Unsqueeze (13)',
    inputs: [[3, 1, 4]],
    build: (b, [x]) => b.e.unsqueeze(b.e.op1('Squeeze', [x!, b.e.ints([1])]), [0]),
  },
  { name: 'Unsqueeze attr (11)', opset: 11, inputs: [[3, 4]], build: (b, [x]) => b.e.unsqueeze(x!, [1]) },
  { name: 'Transpose', inputs: [[2, 3, 4]], build: op('Transpose', { perm: intsAttr([2, 0, 1]) }) },
  {
    name: 'Concat',
    inputs: [
      [2, 3],
      [2, 5],
      [2, 1],
    ],
    build: op('Concat', { axis: intAttr(1) }),
  },
  { name: 'Split input (13), one output unused', inputs: [[2, 7]], build: (b, [x]) => b.e.split(x!, [3, 4], 1)[1]! },
  {
    name: 'Split attr (11)',
    opset: 11,
    inputs: [[6, 2]],
    build: (b, [x]) => {
      const [p, q] = b.e.split(x!, [2, 4], 0);
      return b.e.add(b.e.reduceSum(p!, [0]), b.e.reduceSum(q!, [0]));
    },
  },
  {
    name: 'Slice GEGLU halves',
    inputs: [[2, 3, 8]],
    build: (b, [x]) => {
      const s = (a: number, z: number) => b.e.op1('Slice', [x!, b.e.ints([a]), b.e.ints([z]), b.e.ints([-1])]);
      return b.e.mul(s(0, 4), b.e.op1('Erf', [s(4, 8)]));
    },
  },
  {
    name: 'Slice negative and clamped',
    inputs: [[5, 6]],
    build: (b, [x]) => b.e.op1('Slice', [x!, b.e.ints([-4, 1]), b.e.ints([1000, -1]), b.e.ints([0, 1])]),
  },
  { name: 'Expand', inputs: [[3, 1]], build: (b, [x]) => b.e.op1('Expand', [x!, b.e.ints([2, 3, 4])]) },
  { name: 'Tile', inputs: [[2, 3]], build: (b, [x]) => b.e.op1('Tile', [x!, b.e.ints([2, 2])]) },
  {
    name: 'Gather embedding rows',
    inputs: [[10, 4]],
    build: (b, [x]) => b.e.op1('Gather', [x!, b.e.constant(int64Tensor([3, 1, 3, 9, 0, 3], [2, 3]))]),
  },
  {
    name: 'Gather with negative indices',
    inputs: [[6, 3]],
    build: (b, [x]) => b.e.op1('Gather', [x!, b.e.constant(int64Tensor([-1, 3, -6, 0, -1], [5]))]),
  },
  {
    name: 'Resize nearest x2 half_pixel round_prefer_ceil',
    inputs: [[1, 2, 3, 3]],
    build: (b, [x]) =>
      b.e.op1('Resize', [x!, '', b.e.constant(fromNumbers('float32', [4], [1, 1, 2, 2]))], {
        mode: stringAttr('nearest'),
        nearest_mode: stringAttr('round_prefer_ceil'),
      }),
  },
  {
    name: 'Resize nearest x2 asymmetric floor',
    inputs: [[1, 2, 3, 4]],
    build: (b, [x]) =>
      b.e.op1('Resize', [x!, '', b.e.constant(fromNumbers('float32', [4], [1, 1, 2, 2]))], {
        mode: stringAttr('nearest'),
        coordinate_transformation_mode: stringAttr('asymmetric'),
        nearest_mode: stringAttr('floor'),
      }),
  },
  {
    name: 'Resize nearest x2 half_pixel (default)',
    inputs: [[1, 2, 3, 3]],
    build: (b, [x]) =>
      b.e.op1('Resize', [x!, '', b.e.constant(fromNumbers('float32', [4], [1, 1, 2, 3]))], {
        mode: stringAttr('nearest'),
      }),
  },
];

function randomTensor(dims: number[], seed: number) {
  const rng = new Rng(seed);
  return fromNumbers('float32', dims, rng.normalArray(numel(dims)));
}

async function check(c: Case): Promise<number> {
  const b = new GraphBuilder({ opset: c.opset ?? 14 });
  const rng = new Rng(c.name.length * 7919 + 17);
  const feeds: Record<string, Feeds[string]> = {};
  const xs = c.inputs.map((dims, i) => {
    const name = `x${i}`;
    const data = c.positive ? rng.uniformArray(numel(dims), 0.5, 2) : rng.normalArray(numel(dims));
    feeds[name] = { dtype: 'float32', dims, data };
    return b.input(name, 'float32', dims);
  });
  b.output(c.build(b, xs), 'y');
  const wrt = (c.wrt ?? c.inputs.map((_, i) => i)).map((i) => `x${i}`);
  const results = await gradcheck(b.model, { loss: { type: 'mse', output: 'y' }, wrt }, feeds, { epsilon: 1e-2 });
  return Math.max(...results.map((r) => r.relError));
}

describe('gradient rules vs finite differences', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    expect(await check(c)).toBeLessThan(5e-3);
  });

  it('refuses Resize modes whose gradient is not a block sum (half_pixel + floor)', async () => {
    const c: Case = {
      name: 'half_pixel floor',
      inputs: [[1, 1, 3, 3]],
      build: (b, [x]) =>
        b.e.op1('Resize', [x!, '', b.e.constant(fromNumbers('float32', [4], [1, 1, 2, 2]))], {
          mode: stringAttr('nearest'),
          nearest_mode: stringAttr('floor'),
        }),
    };
    await expect(check(c)).rejects.toMatchObject({ code: 'NO_GRADIENT_RULE' });
  });

  it('covers every op in the table with at least one case', () => {
    const tested = new Set<string>();
    const probe = new GraphBuilder({ opset: 21 });
    for (const c of cases) {
      const b = new GraphBuilder({ opset: c.opset ?? 14 });
      c.build(
        b,
        c.inputs.map((d, i) => b.input(`x${i}`, 'float32', d)),
      );
      for (const n of b.graph.nodes) tested.add(n.opType);
    }
    void probe;
    const untested = Object.keys(gradientRules).filter((op) => !tested.has(op) && op !== 'Dropout');
    expect(untested).toEqual([]);
  });
});
