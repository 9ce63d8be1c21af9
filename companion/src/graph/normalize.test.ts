import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './graph-builder.ts';
import { intAttr } from './ir.ts';
import { fromNumbers, toNumbers } from './tensor.ts';
import { normalizeModel } from './normalize.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { parseModel, serializeModel } from '../onnx/model-file.ts';

/** x[B,C,H,W] → Reshape(x, Concat(Shape(x)[0], 2, -1)) → Softmax → Reshape(·, Shape(x)): PyTorch's GroupNorm plumbing. */
function plumbingModel(batchDim: number | string) {
  const b = new GraphBuilder({ opset: 14 });
  b.graph.inputs.push({ name: 'x', dtype: 'float32', dims: [batchDim, 4, 3, 3] });
  const e = b.e;
  const raw = (op: string, inputs: string[], attrs = {}) => {
    const out = e.fresh(op);
    b.graph.nodes.push({ name: e.fresh(`/${op}`), opType: op, domain: '', inputs, outputs: [out], attrs });
    return out;
  };
  const shape = raw('Shape', ['x']);
  const batch = raw('Gather', [shape, e.constant(fromNumbers('int64', [], [0]))], { axis: intAttr(0) });
  const b1 = raw('Unsqueeze', [batch, e.ints([0])]);
  const target = raw('Concat', [b1, e.ints([2]), e.ints([-1])], { axis: intAttr(0) });
  const grouped = raw('Reshape', ['x', target]);
  const soft = raw('Softmax', [grouped], { axis: intAttr(-1) });
  const back = raw('Reshape', [soft, raw('Shape', ['x'])]);
  b.graph.nodes.push({ name: '/unused/Relu', opType: 'Relu', domain: '', inputs: ['x'], outputs: ['dead'], attrs: {} });
  b.graph.outputs.push({ name: back, dtype: 'float32', dims: [batchDim, 4, 3, 3] });
  return b.model;
}

describe('normalizeModel', () => {
  it('folds Shape→Gather→Unsqueeze→Concat plumbing into constant Reshape arguments and drops dead nodes', async () => {
    const model = normalizeModel(plumbingModel('batch'), { inputShapes: { x: [2, 4, 3, 3] } });
    const ops = model.graph.nodes.map((n) => n.opType);
    expect(ops).toEqual(['Reshape', 'Softmax', 'Reshape']);
    const shapeArg = model.graph.initializers.get(model.graph.nodes[0]!.inputs[1]!)!.data!;
    expect(toNumbers(shapeArg)).toEqual([2, 2, -1]);
    expect(model.graph.types.get(model.graph.nodes[1]!.outputs[0]!)!.dims).toEqual([2, 2, 18]);
    // The folded model still runs and round-trips through protobuf.
    const session = await OrtSession.create(parseModel(serializeModel(model), model.baseDir));
    const out = await session.run({ x: { dtype: 'float32', dims: [2, 4, 3, 3], data: new Float32Array(72).fill(1) } });
    expect(Object.values(out)[0]!.dims).toEqual([2, 4, 3, 3]);
  });

  it('asks for static dims when an input is symbolic', () => {
    expect(() => normalizeModel(plumbingModel('batch'))).toThrow(expect.objectContaining({ code: 'DIMS_MISMATCH' }));
  });

  it('refuses onnxruntime contrib ops with the fix', () => {
    const model = plumbingModel(1);
    model.graph.nodes.unshift({
      name: '/gn/GroupNorm',
      opType: 'GroupNorm',
      domain: 'com.microsoft',
      inputs: ['x'],
      outputs: ['g'],
      attrs: {},
    });
    expect(() => normalizeModel(model)).toThrow(
      expect.objectContaining({ code: 'CONTRIB_OP', message: expect.stringMatching(/GroupNorm/) }),
    );
  });

  it('names unknown inputs in shape overrides', () => {
    expect(() => normalizeModel(plumbingModel(1), { inputShapes: { y: [1] } })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TENSOR' }),
    );
  });
});
