import { describe, expect, it } from 'vitest';
import { example, examples } from './dataset.ts';
import { caption, coverage, GRAMMAR_WORDS, SCENE_SIZE } from './scene.ts';

describe('the demo data set', () => {
  it('is a pure function of (seed, index)', () => {
    expect(example(5, 17)).toEqual(example(5, 17));
    expect(example(5, 17).rgba).not.toEqual(example(5, 18).rgba);
    expect(example(5, 17).rgba).not.toEqual(example(6, 17).rgba);
  });

  it('captions every scene exactly from the grammar', () => {
    for (const ex of examples(1, 0, 100)) {
      expect(ex.caption).toBe(caption(ex.spec));
      expect(ex.caption.split(' ').every((w) => GRAMMAR_WORDS.includes(w))).toBe(true);
    }
  });

  it('keeps every shape inside the image, off the border ring', () => {
    for (const ex of examples(2, 0, 300)) {
      const a = coverage(ex.spec);
      for (let i = 0; i < SCENE_SIZE; i++) {
        for (const p of [i, (SCENE_SIZE - 1) * SCENE_SIZE + i, i * SCENE_SIZE, i * SCENE_SIZE + SCENE_SIZE - 1])
          expect(a[p]).toBe(0);
      }
    }
  });

  it('covers every shape, colour and background', () => {
    const seen = new Set(examples(3, 0, 300).flatMap((ex) => [ex.spec.shape, ex.spec.colour, ex.spec.background]));
    expect(seen.size).toBe(10);
  });
});
