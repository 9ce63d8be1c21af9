import { describe, expect, it } from 'vitest';
import { gradOutputName, LOSS_OUTPUT } from '../autodiff/gradient-model.ts';
import { NoiseSchedule } from '../diffusion/schedulers/noise-schedule.ts';
import { parseSchedulerConfig } from '../diffusion/schedulers/scheduler-config.ts';
import { tinyUNetConfig } from '../model-builder/unet-config.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { cellWeights, stepFeeds, trainingBatch } from './batch.ts';
import { example } from './dataset.ts';
import type { DemoConfig } from './demo-config.ts';
import { DEMO_CONFIG } from './demo-config.ts';
import { initialState, optimizerStep } from './optimizer.ts';
import { schedulerConfig } from './package-writer.ts';
import { isTextParameter } from './text-encoder.ts';
import { demoVocabulary, vocabularySize } from './tokenizer-files.ts';
import { demoTokenizer } from './trainer.ts';
import { buildTrainingGraph } from './train-graph.ts';

/** The demo's structure at a size that builds and steps in well under a second. */
const SMALL: DemoConfig = {
  sceneSize: 8,
  predictionType: 'v_prediction',
  text: { sequenceLength: 12, hidden: 16, heads: 2, layers: 1, seed: 1 },
  unet: tinyUNetConfig({
    blockOutChannels: [8, 16],
    attentionHeads: 2,
    normGroups: 4,
    crossAttentionDim: 16,
    sequenceLength: 12,
    latentSize: 4,
    inChannels: 12,
    outChannels: 12,
  }),
  train: { ...DEMO_CONFIG.train, batch: 2, steps: 20, warmupSteps: 1, lr: 3e-3, captionDropout: 0 },
};

describe('the joint training graph', () => {
  it('gives every UNet and text-encoder weight a gradient, and Adam on one batch lowers the loss', async () => {
    const vocabulary = demoVocabulary();
    const graph = buildTrainingGraph(SMALL, vocabularySize(vocabulary));
    expect([...graph.parameters.keys()].some(isTextParameter)).toBe(true);
    const session = await OrtSession.create(graph.gradient.model);
    const batch = trainingBatch(
      SMALL,
      demoTokenizer(vocabulary, SMALL.text.sequenceLength),
      new NoiseSchedule(parseSchedulerConfig(schedulerConfig(SMALL))),
      1.5,
      0,
    );
    const state = initialState(graph.parameters);
    const names = [...graph.parameters.keys()];
    const losses: number[] = [];
    try {
      for (let step = 0; step < 8; step++) {
        const out = await session.run(stepFeeds(SMALL, batch, graph.parameters, state.params), [
          LOSS_OUTPUT,
          ...names.map(gradOutputName),
        ]);
        losses.push(Number(out[LOSS_OUTPUT]!.data[0]));
        const grads = new Map(names.map((n) => [n, out[gradOutputName(n)]!.data as Float32Array]));
        if (step === 0) {
          const tokenGrad = grads.get('text_model.embeddings.token_embedding.weight')!;
          expect(tokenGrad.some((g) => g !== 0)).toBe(true);
        }
        optimizerStep(state, grads, SMALL.train);
      }
    } finally {
      await session.release();
    }
    expect(losses.at(-1)!).toBeLessThan(0.8 * losses[0]!);
  });
});

describe('object-weighted loss (DemoTrainConfig.objectWeight)', () => {
  const { spec, coverage } = example(DEMO_CONFIG.train.seed, 3);
  it('is all ones without an object weight, or at 1: every cell alike, as before the option existed', () => {
    const { objectWeight: _, ...unweighted } = DEMO_CONFIG.train;
    for (const train of [unweighted, { ...unweighted, objectWeight: 1 }])
      expect(Array.from(cellWeights({ ...DEMO_CONFIG, train }, coverage)).every((w) => w === 1)).toBe(true);
  });
  it('weights the cells on and around the shape by k against 1, at a mean of 1 per example', () => {
    const k = 4;
    const w = cellWeights({ ...DEMO_CONFIG, train: { ...DEMO_CONFIG.train, objectWeight: k } }, coverage);
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    expect(mean).toBeCloseTo(1, 5);
    const levels = [...new Set(Array.from(w, (v) => Number(v.toFixed(5))))].sort((a, b) => a - b);
    expect(levels).toHaveLength(2);
    expect(levels[1]! / levels[0]!).toBeCloseTo(k, 4);
    // The shape's centre cell is weighted; a corner far from it is not.
    const L = DEMO_CONFIG.unet.latentSize;
    const cell = (x: number, y: number) =>
      w[Math.floor((y / DEMO_CONFIG.sceneSize) * L) * L + Math.floor((x / DEMO_CONFIG.sceneSize) * L)]!;
    expect(cell(spec.cx, spec.cy)).toBeCloseTo(levels[1]!, 5);
    const far = [
      [0, 0],
      [31, 0],
      [0, 31],
      [31, 31],
    ].find(([x, y]) => Math.hypot(x! - spec.cx, y! - spec.cy) > 20)!;
    expect(cell(far[0]!, far[1]!)).toBeCloseTo(levels[0]!, 5);
  });
});
