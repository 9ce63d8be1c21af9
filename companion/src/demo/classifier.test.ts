import { describe, expect, it } from 'vitest';
import { classify, maskIoU } from './classifier.ts';
import { examples } from './dataset.ts';
import { DEMO_CONFIG } from './demo-config.ts';
import { EVAL_SEED } from './eval-cases.ts';
import { coverage, PALETTE, renderScene, SCENE_SIZE, withSlots } from './scene.ts';

const agreement = (seed: number, count: number) => {
  const set = examples(seed, 0, count);
  const hits = set.filter((ex) => {
    const c = classify(ex.rgba, SCENE_SIZE, SCENE_SIZE);
    return c.colour === ex.spec.colour && c.shape === ex.spec.shape && c.background === ex.spec.background;
  });
  return hits.length / set.length;
};

describe('classify', () => {
  it('reads colour, shape and background back from ≥ 99% of the training data set', () => {
    expect(agreement(DEMO_CONFIG.train.seed, 600)).toBeGreaterThanOrEqual(0.99);
  });

  it('reads ≥ 99% of the held-out evaluation scenes', () => {
    expect(agreement(EVAL_SEED, 300)).toBeGreaterThanOrEqual(0.99);
  });

  it('finds the shape where it was drawn', () => {
    for (const ex of examples(3, 0, 50)) {
      const truth = Uint8Array.from(coverage(ex.spec), (a) => (a >= 0.5 ? 1 : 0));
      expect(maskIoU(classify(ex.rgba, SCENE_SIZE, SCENE_SIZE).mask, truth)).toBeGreaterThan(0.85);
    }
  });

  it('reports no shape on a plain background', () => {
    const plain = renderScene({ shape: 'circle', colour: 'red', background: 'gray', cx: -50, cy: -50, r: 6 });
    expect(classify(plain, SCENE_SIZE, SCENE_SIZE)).toMatchObject({
      background: 'gray',
      colour: 'none',
      shape: 'none',
    });
  });

  it('keeps working under pixel noise of ±20 levels', () => {
    const [ex] = examples(4, 0, 1);
    const noisy = Uint8Array.from(ex!.rgba, (v, i) =>
      i % 4 === 3 ? v : Math.min(255, Math.max(0, v + (((i * 7919) % 41) - 20))),
    );
    expect(classify(noisy, SCENE_SIZE, SCENE_SIZE)).toMatchObject({
      colour: ex!.spec.colour,
      shape: ex!.spec.shape,
      background: ex!.spec.background,
    });
  });
});

describe('maskIoU', () => {
  it('is 1 for equal masks and ≈ 0.82 for a circle and a square of one size and centre', () => {
    const spec = { shape: 'circle', colour: 'blue', background: 'white', cx: 16, cy: 16, r: 8 } as const;
    const circle = classify(renderScene(spec), SCENE_SIZE, SCENE_SIZE).mask;
    const square = classify(renderScene(withSlots(spec, { shape: 'square' })), SCENE_SIZE, SCENE_SIZE).mask;
    expect(maskIoU(circle, circle)).toBe(1);
    expect(maskIoU(circle, square)).toBeGreaterThan(0.78);
    expect(maskIoU(circle, square)).toBeLessThan(0.88);
  });
});

describe('PALETTE', () => {
  it('keeps every colour far from every background, so the mask has contrast', () => {
    for (const c of ['red', 'green', 'blue', 'yellow'] as const)
      for (const b of ['white', 'black', 'gray'] as const)
        expect(Math.hypot(...PALETTE[c].map((v, i) => v - PALETTE[b][i]!))).toBeGreaterThan(100);
  });
});
