import { describe, expect, it } from 'vitest';
import { COSINE_FLOOR, scheduledLr, WARMUP_FRACTION, WARMUP_START } from './lr-schedule.ts';

describe('learning-rate schedules', () => {
  it('constant keeps the peak; cosine falls monotonically from the peak to the floor', () => {
    const steps = 50;
    const cosine = Array.from({ length: steps }, (_, i) => scheduledLr('cosine', 2e-3, i + 1, steps));
    expect(
      Array.from({ length: steps }, (_, i) => scheduledLr('constant', 2e-3, i + 1, steps)).every((lr) => lr === 2e-3),
    ).toBe(true);
    expect(cosine[0]).toBeCloseTo(2e-3, 12);
    expect(cosine.at(-1)).toBeCloseTo(2e-3 * COSINE_FLOOR, 12);
    expect(cosine[24]! + cosine[25]!).toBeCloseTo(2e-3 * (1 + COSINE_FLOOR), 5); // symmetric about the midpoint
    for (let i = 1; i < steps; i++) expect(cosine[i]!).toBeLessThan(cosine[i - 1]!);
    expect(scheduledLr('cosine', 1, 1, 1)).toBe(1);
  });

  it('warmup-cosine ramps up to the peak over the first tenth, then falls as cosine to the floor', () => {
    const steps = 101;
    const lr = Array.from({ length: steps }, (_, i) => scheduledLr('warmup-cosine', 1, i + 1, steps));
    const peakAt = Math.round(WARMUP_FRACTION * (steps - 1));
    expect(lr[0]).toBeCloseTo(WARMUP_START, 12);
    expect(lr[peakAt]).toBeCloseTo(1, 12);
    expect(lr.at(-1)).toBeCloseTo(COSINE_FLOOR, 12);
    for (let i = 1; i <= peakAt; i++) expect(lr[i]!).toBeGreaterThan(lr[i - 1]!);
    for (let i = peakAt + 1; i < steps; i++) expect(lr[i]!).toBeLessThan(lr[i - 1]!);
  });
});
