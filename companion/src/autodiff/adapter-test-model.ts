// A small model with one layer of each kind adapters attach to, for the adapter tests (adapters.test.ts,
// learn/subject-unet.test.ts).
import { GraphBuilder } from '../graph/graph-builder.ts';
import { intAttr, intsAttr } from '../graph/ir.ts';
import { fromNumbers, numel } from '../graph/tensor.ts';
import { Rng } from '../util/rng.ts';

export const X = [1, 3, 6, 6];

/** conv_in (Conv) → flatten → to_q (MatMul) → proj (Gemm, transB) : three adaptable layers with module names. */
export function layeredModel() {
  const rng = new Rng(11);
  const b = new GraphBuilder({ opset: 14 });
  const w = (name: string, dims: number[]) =>
    b.weight(name, fromNumbers('float32', dims, rng.normalArray(numel(dims), 0.3)));
  const x = b.input('sample', 'float32', X);
  const h = b.e.op(
    'Conv',
    [x, w('conv_in.weight', [4, 3, 3, 3])],
    { pads: intsAttr([1, 1, 1, 1]) },
    { name: '/conv_in/Conv' },
  )[0]!;
  const seq = b.e.transpose(b.e.reshape(h, [1, 4, 36]), [0, 2, 1]);
  const q = b.e.op('MatMul', [seq, w('to_q.weight', [4, 5])], {}, { name: '/attn1/to_q/MatMul' })[0]!;
  const flat = b.e.reshape(q, [36, 5]);
  const y = b.e.op(
    'Gemm',
    [flat, w('proj.weight', [3, 5]), w('proj.bias', [3])],
    { transB: intAttr(1) },
    { name: '/proj/Gemm' },
  )[0]!;
  b.output(y, 'y');
  return { model: b.model, rng };
}

export const TARGETS = ['/conv_in/Conv$', '/to_q/MatMul$', '/proj/Gemm$'];
