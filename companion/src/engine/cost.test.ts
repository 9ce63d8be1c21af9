import { describe, expect, it } from 'vitest';
import { editCost, samplingPasses } from './cost.ts';
import { PRESETS } from './settings.ts';

describe('editCost', () => {
  it('counts a forward+backward step at 1 + r forwards, and guided sampling at two forwards a step', () => {
    const { train, sample } = PRESETS.community;
    // 500 stage-1 and 1000 stage-2 steps; 4 outputs × 50 guided steps.
    expect(editCost(train, { ...sample, etas: [0.6, 0.8], seeds: [1, 2] })).toEqual({
      embed: 1500,
      finetune: 3000,
      sample: 400,
      total: 4900,
      backward_ratio: 2,
    });
    expect(editCost(train, { ...sample, etas: [1], seeds: [1] }, 1.5).embed).toBe(1250);
  });

  it('needs one forward a step where guidance uses one prediction, and no training for a re-render', () => {
    const one = { etas: [0], seeds: [1, 2, 3], steps: 20 };
    expect(samplingPasses({ ...one, guidanceScale: 1 })).toBe(60);
    expect(samplingPasses({ ...one, guidanceScale: 0 })).toBe(60);
    expect(samplingPasses({ ...one, guidanceScale: 7.5 })).toBe(120);
    expect(editCost(null, { ...one, guidanceScale: 3 })).toEqual({
      embed: 0,
      finetune: 0,
      sample: 120,
      total: 120,
      backward_ratio: 2,
    });
  });
});
