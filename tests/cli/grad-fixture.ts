// Writes a small model plus spec.json and raw tensors to a folder, for `imagic grad` tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder } from '../../companion/src/graph/graph-builder.ts';
import { intsAttr } from '../../companion/src/graph/ir.ts';
import { fromNumbers, numel, tensorBytes } from '../../companion/src/graph/tensor.ts';
import { writeModel } from '../../companion/src/onnx/model-file.ts';
import { Rng } from '../../companion/src/util/rng.ts';

export const X_DIMS = [1, 3, 8, 8];
export const C_DIMS = [1, 5, 6];

/** y = MatMul(Reshape(Conv(x, W)), Wk(c)): a conv path and a cross-attention-like path, both trainable. */
export async function writeGradFixture(
  dir: string,
  opts: { floorOp?: boolean } = {},
): Promise<Record<string, unknown>> {
  await mkdir(dir, { recursive: true });
  const rng = new Rng(42);
  const b = new GraphBuilder({ opset: 14 });
  const x = b.input('x', 'float32', X_DIMS);
  const ctx = b.input('context', 'float32', C_DIMS);
  const w = b.weight('conv.weight', fromNumbers('float32', [4, 3, 3, 3], rng.normalArray(108, 0.3)));
  const wk = b.weight('to_k.weight', fromNumbers('float32', [6, 16], rng.normalArray(96, 0.3)));
  let h = b.e.op1('Conv', [x, w], { pads: intsAttr([1, 1, 1, 1]), strides: intsAttr([2, 2]) });
  if (opts.floorOp) h = b.e.op1('Floor', [h]);
  const flat = b.e.reshape(h, [1, 4, 16]);
  const k = b.e.matmul(ctx, wk);
  b.output(b.e.op1('Softmax', [b.e.matmul(flat, b.e.transposeLast2(k))], { axis: { type: 'int', value: -1 } }), 'y');
  await writeModel(b.model, join(dir, 'm.onnx'));
  const save = async (file: string, dims: number[], scale = 1) =>
    writeFile(join(dir, file), tensorBytes(fromNumbers('float32', dims, rng.normalArray(numel(dims), scale))));
  await save('x.bin', X_DIMS);
  await save('c.bin', C_DIMS);
  await save('t.bin', [1, 4, 5], 0.2);
  const spec = {
    model: 'm.onnx',
    feeds: {
      x: { dtype: 'float32', dims: X_DIMS, file: 'x.bin' },
      context: { dtype: 'float32', dims: C_DIMS, file: 'c.bin' },
    },
    loss: { type: 'mse', output: 'y', target: { dtype: 'float32', dims: [1, 4, 5], file: 't.bin' } },
    wrt: ['context', 'conv.weight', 'x'],
    repeat: 3,
    provider: 'cpu',
  };
  await writeFile(join(dir, 'spec.json'), JSON.stringify(spec));
  return spec;
}
