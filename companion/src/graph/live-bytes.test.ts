import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './graph-builder.ts';
import { fromNumbers } from './tensor.ts';
import { estimatePeakBytes } from './live-bytes.ts';

const ones = (dims: number[]) =>
  fromNumbers('float32', dims, new Array<number>(dims.reduce((a, b) => a * b, 1)).fill(1));

describe('estimatePeakBytes', () => {
  it('holds each activation from its producer to its last consumer, on top of the weights and feeds', () => {
    // x[1000] → a = Relu(x) → b = Relu(a) → c = Add(a, b) → out = Relu(c). While Add runs, a, b and c are all live.
    const g = new GraphBuilder({ opset: 17 });
    const x = g.input('x', 'float32', [1000]);
    const w = g.weight('w', ones([500]));
    const a = g.e.op1('Relu', [x]);
    const b = g.e.op1('Relu', [a]);
    const c = g.e.add(a, b);
    const d = g.e.op1('Relu', [c]);
    g.output(g.e.add(d, g.e.reshape(g.e.op1('Concat', [w, w], { axis: { type: 'int', value: 0 } }), [1000])));
    const fp32 = estimatePeakBytes(g.graph, 'fp32');
    // Resident: x (4000) and the folded Concat→Reshape of w (4000); w itself feeds only folded nodes, so it is dropped.
    expect(fp32.resident).toBe(8000);
    expect(fp32.peak).toBe(8000 + 3 * 4000);
    expect(fp32.peakNode).toBe(g.graph.nodes.find((n) => n.outputs[0] === c)!.name);
    expect(estimatePeakBytes(g.graph, 'fp16')).toEqual({
      peak: fp32.peak / 2,
      resident: fp32.resident / 2,
      peakNode: fp32.peakNode,
    });
  });

  it('frees a value at its last consumer, so a longer chain of one-use values peaks at two', () => {
    const g = new GraphBuilder({ opset: 17 });
    let v = g.input('x', 'float32', [256]);
    for (let i = 0; i < 10; i++) v = g.e.op1('Relu', [v]);
    g.output(v);
    // x resident (1024) + one input and one output of a Relu (the first Relu's input is x itself).
    expect(estimatePeakBytes(g.graph, 'fp32').peak).toBe(1024 + 2 * 1024);
  });

  it('keeps integer tensors at their size in fp16', () => {
    const g = new GraphBuilder({ opset: 17 });
    const ids = g.input('ids', 'int64', [100]);
    g.output(g.e.op1('Identity', [ids]));
    expect(estimatePeakBytes(g.graph, 'fp16').peak).toBe(1600);
  });
});
