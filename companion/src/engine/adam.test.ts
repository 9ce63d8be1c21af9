import { describe, expect, it } from 'vitest';
import { initAdapterValues, injectAdapters } from '../autodiff/adapters.ts';
import { buildGradientModel, gradOutputName, LOSS_OUTPUT, TARGET_INPUT } from '../autodiff/gradient-model.ts';
import { buildUNet } from '../model-builder/unet.ts';
import { tinyUNetConfig, unetInputShapes } from '../model-builder/unet-config.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import { KeptTensor, OrtSession } from '../runtime/ort-session.ts';
import { Rng } from '../util/rng.ts';
import { floatFeed, timestepFeed } from './tensors.ts';
import {
  ADAM_C2_INPUT,
  ADAM_LR_INPUT,
  adamScalars,
  carriedOutputName,
  FIRST_MOMENT,
  SECOND_MOMENT,
  trainingStepModel,
} from './adam.ts';

const f32 = (dims: readonly number[], data: Float32Array): HostTensor => ({ dtype: 'float32', dims, data });

/** Algorithm 1 of the paper in float64, the reference the graph's update is checked against. */
class ReferenceAdam {
  private t = 0;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  constructor(
    readonly p: Float64Array,
    private readonly b1 = 0.9,
    private readonly b2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(p.length);
    this.v = new Float64Array(p.length);
  }
  step(g: Float32Array, lr: number): void {
    this.t++;
    for (let i = 0; i < this.p.length; i++) {
      this.m[i] = this.b1 * this.m[i]! + (1 - this.b1) * g[i]!;
      this.v[i] = this.b2 * this.v[i]! + (1 - this.b2) * g[i]! * g[i]!;
      this.p[i]! -=
        (lr * (this.m[i]! / (1 - this.b1 ** this.t))) / (Math.sqrt(this.v[i]! / (1 - this.b2 ** this.t)) + this.eps);
    }
  }
}

const maxRelative = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
};

describe('the in-graph Adam step', () => {
  for (const dtype of ['float32', 'float16'] as const) {
    it(`equals the gradient graph followed by the paper's Adam over several steps, carrying its state (${dtype} UNet)`, async () => {
      const config = tinyUNetConfig({ dtype });
      const unet = buildUNet(config, {}).model;
      const adapted = injectAdapters(unet, {
        targets: ['/attn[12]/to_(q|v)/MatMul$'],
        rank: 2,
        mode: 'inputs',
        inputShapes: unetInputShapes(config),
      });
      const params = adapted.adapters.flatMap((a) => [a.down.name, a.up.name]);
      const gradient = buildGradientModel(adapted.model, {
        loss: { type: 'mse', output: 'out_sample' },
        wrt: params,
      }).model;
      const step = trainingStepModel(gradient, params, ['encoder_hidden_states']);
      expect(step.model.graph.outputs.map((o) => o.name)).toEqual([LOSS_OUTPUT, ...step.carried.keys()]);
      expect(step.model.graph.outputs.some((o) => o.name.startsWith('grad::'))).toBe(false);

      const rng = new Rng(7);
      // Adapters with a non-zero up matrix, so every matrix has a gradient from the first step.
      const init = new Map(
        [...initAdapterValues(adapted.adapters, 3)].map(([name, v]) => [
          name,
          v.every((x) => x === 0) ? rng.normalArray(v.length, 0.1) : v,
        ]),
      );
      const shapes = unetInputShapes(config);
      const dimsOf = (name: string) => step.model.graph.types.get(name)!.dims;
      const [gradSession, stepSession] = await Promise.all([
        OrtSession.create(gradient),
        OrtSession.create(step.model),
      ]);
      try {
        const ehs = gradSession.inputMetadata.find((i) => i.name === 'encoder_hidden_states')!;
        const ehsDims = ehs.dims as number[];
        const ehsCount = ehsDims.reduce((a, b) => a * b, 1);
        const ehsValues = rng.normalArray(ehsCount, 0.5);
        const ehsFeed = floatFeed(ehs, ehsValues, ehsDims);
        const reference = new Map(params.map((p) => [p, new ReferenceAdam(Float64Array.from(init.get(p)!))]));
        let carried: Record<string, HostTensor | KeptTensor> = { encoder_hidden_states: ehsFeed };
        for (const p of params) carried[p] = f32(dimsOf(p), init.get(p)!.slice());
        for (const moment of [FIRST_MOMENT, SECOND_MOMENT])
          carried[moment] = f32(dimsOf(moment), new Float32Array(dimsOf(moment)[0]!));
        const lrs = [3e-2, 1e-2, 2e-2, 5e-3];
        for (const [i, lr] of lrs.entries()) {
          const sampleInfo = gradSession.inputMetadata.find((x) => x.name === 'sample')!;
          const draw = {
            sample: floatFeed(sampleInfo, rng.normalArray(shapes.sample!.reduce((a, b) => a * b, 1)), shapes.sample!),
            timestep: timestepFeed(
              gradSession.inputMetadata.find((x) => x.name === 'timestep')!,
              100 + 200 * i,
            ),
            [TARGET_INPUT]: f32(shapes.sample!, rng.normalArray(shapes.sample!.reduce((a, b) => a * b, 1))),
          };
          // Reference: the gradient graph at the reference's current parameters, then Algorithm 1.
          const gradFeeds: Record<string, HostTensor> = { ...draw, encoder_hidden_states: ehsFeed };
          for (const p of params) gradFeeds[p] = f32(dimsOf(p), Float32Array.from(reference.get(p)!.p));
          const grads = await gradSession.run(gradFeeds);
          for (const p of params) reference.get(p)!.step(grads[gradOutputName(p)]!.data as Float32Array, lr);

          const scalars = adamScalars(lr, i + 1);
          const out = await stepSession.runKeeping(
            {
              ...carried,
              ...draw,
              [ADAM_LR_INPUT]: f32([1], Float32Array.of(scalars[ADAM_LR_INPUT])),
              [ADAM_C2_INPUT]: f32([1], Float32Array.of(scalars[ADAM_C2_INPUT])),
            },
            undefined,
            new Set(step.carried.keys()),
          );
          expect(out.host[LOSS_OUTPUT]!.data[0]).toBeCloseTo(grads[LOSS_OUTPUT]!.data[0] as number, 4);
          carried = Object.fromEntries([...step.carried].map(([o, input]) => [input, out.kept[o]!]));
          // Only the loss came back to the host: 4 bytes, plus the draw and the two scalars that went in.
          expect(Object.keys(out.host)).toEqual([LOSS_OUTPUT]);
        }
        for (const p of params) {
          const trained = (await (carried[p] as KeptTensor).downloadAsync()).data as Float32Array;
          expect(maxRelative(trained, reference.get(p)!.p)).toBeLessThan(1e-4);
          // The step did move the parameter (a test that a no-op graph would fail).
          expect(maxRelative(trained, init.get(p)!)).toBeGreaterThan(1e-3);
        }
        expect(step.carried.get(carriedOutputName('encoder_hidden_states'))).toBe('encoder_hidden_states');
      } finally {
        await Promise.all([gradSession.release(), stepSession.release()]);
      }
    });
  }

  it('computes the step scalars of Algorithm 1 and refuses nonsense', () => {
    const s = adamScalars(0.1, 1);
    expect(s[ADAM_LR_INPUT]).toBeCloseTo(0.1 / 0.1, 12);
    expect(s[ADAM_C2_INPUT]).toBeCloseTo(1 / 0.001, 9);
    expect(adamScalars(0.1, 10_000)[ADAM_LR_INPUT]).toBeCloseTo(0.1, 9);
    expect(() => adamScalars(0, 1)).toThrow(RangeError);
    expect(() => adamScalars(0.1, 0)).toThrow(RangeError);
  });
});
