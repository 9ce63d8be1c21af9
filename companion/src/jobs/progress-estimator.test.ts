import { describe, expect, it } from 'vitest';
import { ProgressEstimator } from './progress-estimator.ts';

describe('ProgressEstimator', () => {
  it('says nothing until a stage has two steps, then extrapolates the stage and the stages after it', () => {
    let now = 0;
    const estimator = new ProgressEstimator([{ stage: 'embed', total: 10 }, { stage: 'finetune', total: 10 }, { stage: 'sample', total: 30 }], () => now);
    expect(estimator.observe('embed', 1, 10)).toBeUndefined();
    now = 1000;
    // 1 s per embed step: 8 embed steps left, 10 finetune steps at the same cost, 30 sample steps at 2/3 of it.
    expect(estimator.observe('embed', 2, 10)).toBe(8 + 10 + 20);
  });

  it("uses a stage's own step time once it has one", () => {
    let now = 0;
    const estimator = new ProgressEstimator([{ stage: 'sample', total: 4 }], () => now);
    estimator.observe('sample', 1, 4);
    now = 500;
    expect(estimator.observe('sample', 2, 4)).toBe(1);
  });
});
