import { describe, expect, it } from 'vitest';
import {
  arange,
  checkNumSteps,
  checkStepIndex,
  checkTimestepRange,
  interpolate,
  leadingTimesteps,
  linspace,
  roundHalfEven,
  trailingTimesteps,
} from './timestep-spacing.ts';

describe('numpy primitives', () => {
  it('rounds halves to even like np.round', () => {
    const cases: [number, number][] = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [166.5, 166],
      [812.5, 812],
      [937.5, 938],
      [-2.5, -2],
      [-1.5, -2],
      [978.61, 979],
      [3, 3],
    ];
    for (const [x, expected] of cases) expect(roundHalfEven(x)).toBe(expected);
  });

  it('builds linspace with both end points, as i·step + start', () => {
    expect(linspace(0, 999, 7)).toEqual([0, 166.5, 333, 499.5, 666, 832.5, 999]);
    expect(linspace(2, 2, 1)).toEqual([2]);
  });

  it('builds a float arange of ceil((stop − start)/step) values', () => {
    expect(arange(1000, 0, -62.5)).toHaveLength(16);
    expect(arange(1000, 0, -250)).toEqual([1000, 750, 500, 250]);
  });

  it('interpolates a table linearly and clamps at its ends', () => {
    const table = Float64Array.from([0, 10, 30]);
    expect(interpolate(table, 1)).toBe(10);
    expect(interpolate(table, 1.25)).toBe(15);
    expect(interpolate(table, -1)).toBe(0);
    expect(interpolate(table, 5)).toBe(30);
  });
});

describe('spacings', () => {
  it('spaces "leading" by ⌊T/n⌋ plus the offset', () => {
    expect(leadingTimesteps(1000, 10, 1)).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    expect(leadingTimesteps(1000, 3, 0)).toEqual([666, 333, 0]);
  });

  it('spaces "trailing" from T − 1 down, with np.round ties to even', () => {
    expect(trailingTimesteps(1000, 10)).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
    // 1000 − k·62.5 hits .5 ties: 937.5 → 938, 812.5 → 812.
    expect(trailingTimesteps(1000, 16).slice(0, 4)).toEqual([999, 937, 874, 811]);
  });

  it('gives exactly n distinct, descending, valid "trailing" timesteps for every n', () => {
    const wrong: number[] = [];
    for (let n = 1; n <= 1000; n++) {
      const steps = trailingTimesteps(1000, n);
      const ok =
        steps.length === n && steps[0] === 999 && steps.every((t, i) => t >= 0 && (i === 0 || t < steps[i - 1]!));
      if (!ok) wrong.push(n);
    }
    expect(wrong).toEqual([]);
  });
});

describe('guards', () => {
  it('tells the caller to call setTimesteps first', () => {
    expect(() => checkStepIndex([], 0, 'X')).toThrow(/call setTimesteps/);
    expect(() => checkStepIndex([10, 5], 2, 'X')).toThrow(/outside \[0, 1\]/);
    expect(() => checkStepIndex([10, 5], 0.5, 'X')).toThrow(RangeError);
    expect(checkStepIndex([10, 5], 1, 'X')).toBe(5);
  });

  it('refuses schedules that leave the train range', () => {
    expect(() => checkTimestepRange(leadingTimesteps(1000, 1000, 1), 1000, 'X')).toThrow(/timestep 1000/);
    expect(() => checkTimestepRange(leadingTimesteps(1000, 999, 1), 1000, 'X')).not.toThrow();
  });

  it('refuses step counts outside [1, T]', () => {
    for (const n of [0, -1, 1001, 2.5, Number.NaN]) expect(() => checkNumSteps(n, 1000, 'X')).toThrow(RangeError);
    expect(() => checkNumSteps(1000, 1000, 'X')).not.toThrow();
  });
});
