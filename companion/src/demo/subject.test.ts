// The subject detector: it finds the split shape wherever the data set could draw it, and not a shape of one colour,
// nor the split the other way round.
import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng.ts';
import { randomScene, renderScene, SCENE_SIZE, withSlots } from './scene.ts';
import { detectSubject, renderSubject } from './subject.ts';

const subject = { left: 'red', right: 'yellow' } as const;

describe('detectSubject', () => {
  it('finds the subject at every position, size, shape and background, and nothing else', () => {
    const rng = new Rng(12);
    for (let i = 0; i < 40; i++) {
      const spec = randomScene(rng);
      expect(detectSubject(renderSubject(spec, subject, SCENE_SIZE), SCENE_SIZE, SCENE_SIZE, subject)).toBe(true);
      const swapped = renderSubject(spec, { left: 'yellow', right: 'red' }, SCENE_SIZE);
      expect(detectSubject(swapped, SCENE_SIZE, SCENE_SIZE, subject)).toBe(false);
      for (const colour of ['red', 'yellow'] as const)
        expect(detectSubject(renderScene(withSlots(spec, { colour })), SCENE_SIZE, SCENE_SIZE, subject)).toBe(false);
    }
  });
});
