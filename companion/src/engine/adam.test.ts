import { describe, expect, it } from 'vitest';
import { Adam } from './adam.ts';

describe('Adam', () => {
  it('takes a first step of exactly lr against the gradient sign (bias correction makes m̂/sqrt(v̂) = ±1)', () => {
    const theta = new Float32Array([1, -2, 0.5]);
    const adam = new Adam(new Map([['w', theta]]), { lr: 0.1 });
    adam.step(new Map([['w', new Float32Array([0.5, -3, 1e-3])]]));
    expect(Array.from(theta)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(-1.9, 6), expect.closeTo(0.4, 5)]);
    expect(adam.steps).toBe(1);
  });

  it('matches the paper’s recurrences over several steps', () => {
    const theta = new Float32Array([0.3]);
    const adam = new Adam(new Map([['w', theta]]), { lr: 0.01, beta1: 0.8, beta2: 0.9, eps: 1e-6 });
    const grads = [0.2, -0.1, 0.4, 0.05];
    let [p, m, v] = [0.3, 0, 0];
    grads.forEach((g, i) => {
      adam.step(new Map([['w', new Float32Array([g])]]));
      m = 0.8 * m + 0.2 * g;
      v = 0.9 * v + 0.1 * g * g;
      p -= (0.01 * (m / (1 - 0.8 ** (i + 1)))) / (Math.sqrt(v / (1 - 0.9 ** (i + 1))) + 1e-6);
      expect(theta[0]).toBeCloseTo(p, 6);
    });
  });

  it('minimises a quadratic', () => {
    const x = new Float32Array([3, -4]);
    const adam = new Adam(new Map([['x', x]]), { lr: 0.05 });
    for (let i = 0; i < 2000; i++) adam.step(new Map([['x', Float32Array.from(x, (v) => 2 * (v - 1))]]));
    expect(Math.abs(x[0]! - 1)).toBeLessThan(1e-2);
    expect(Math.abs(x[1]! - 1)).toBeLessThan(1e-2);
  });

  it('refuses a missing or mis-sized gradient and bad settings', () => {
    const adam = new Adam(new Map([['w', new Float32Array(2)]]), { lr: 0.1 });
    expect(() => adam.step(new Map())).toThrow(/no gradient for 'w'/);
    expect(() => adam.step(new Map([['w', new Float32Array(3)]]))).toThrow(expect.objectContaining({ code: 'DIMS_MISMATCH' }));
    expect(() => new Adam(new Map(), { lr: 0 })).toThrow(RangeError);
  });
});
