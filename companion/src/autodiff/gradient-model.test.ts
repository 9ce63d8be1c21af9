import { describe, expect, it } from 'vitest';
import { buildUNet } from '../model-builder/unet.ts';
import { tinyUNetConfig, unetInputShapes } from '../model-builder/unet-config.ts';
import { injectAdapters } from './adapters.ts';
import { buildGradientModel } from './gradient-model.ts';

describe('buildGradientModel on an SD-style UNet', () => {
  for (const opset of [14, 17] as const) {
    it(`emits only standard ai.onnx ops at the model's opset (${opset})`, () => {
      const config = tinyUNetConfig({ opset, dynamicShapes: true });
      const { model } = buildUNet(config, {});
      const adapted = injectAdapters(model, {
        targets: ['/attn[12]/to_(q|k|v|out\\.0)/MatMul$'],
        rank: 4,
        mode: 'inputs',
        inputShapes: unetInputShapes(config),
      });
      const wrt = ['encoder_hidden_states', ...adapted.adapters.flatMap((a) => [a.down.name, a.up.name])];
      const built = buildGradientModel(adapted.model, { loss: { type: 'mse', output: 'out_sample' }, wrt });
      expect(new Set(built.model.graph.nodes.map((n) => n.domain))).toEqual(new Set(['']));
      expect(built.model.opsetImports).toEqual([{ domain: '', version: opset }]);
      expect(built.model.graph.outputs.map((o) => o.name)).toEqual(['loss', ...wrt.map((w) => `grad::${w}`)]);
    });
  }

  it('differentiates only nodes between the trainable tensor and the loss, and sums multi-consumer gradients', () => {
    const config = tinyUNetConfig();
    const { model } = buildUNet(config, {});
    const built = buildGradientModel(model, {
      loss: { type: 'mse', output: 'out_sample' },
      wrt: ['encoder_hidden_states'],
      keepOutputs: true,
    });
    const backward = built.model.graph.nodes.filter((n) => n.name.startsWith('grad/'));
    const forwardNames = new Set(model.graph.nodes.map((n) => n.name));
    // The timestep MLP and conv_in are upstream of every cross-attention: nothing of theirs is differentiated.
    const timeNodes = model.graph.nodes.filter(
      (n) => n.name.startsWith('/time_embedding/') || n.name.startsWith('/conv_in/'),
    );
    expect(timeNodes.length).toBeGreaterThan(0);
    const values = new Set(timeNodes.flatMap((n) => n.outputs));
    expect(backward.filter((n) => n.inputs.some((x) => values.has(x))).map((n) => n.name)).toEqual([]);
    // encoder_hidden_states feeds every to_k and to_v MatMul: their gradients are summed, by a chain of Adds (the
    // WebGPU provider has no Sum kernel).
    const consumers = model.graph.nodes.filter((n) => n.inputs.includes('encoder_hidden_states')).length;
    expect(consumers).toBeGreaterThan(2);
    expect(backward.filter((n) => n.opType === 'Sum')).toEqual([]);
    const producer = new Map(built.model.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    let node = producer.get(producer.get('grad::encoder_hidden_states')!.inputs[0]!)!;
    let adds = 0;
    for (; node.opType === 'Add'; node = producer.get(node.inputs[0]!)!) adds++;
    expect(adds).toBe(consumers - 1);
    expect(built.model.graph.outputs.map((o) => o.name)).toEqual(['loss', 'grad::encoder_hidden_states', 'out_sample']);
    expect(backward.every((n) => !forwardNames.has(n.name))).toBe(true);
  });
});
