import { describe, expect, it } from 'vitest';
import { AUTO_MASK, maskOnLayer, normalisedMap } from './auto-mask.ts';

const grid = { width: 8, height: 8 };
/** A ring of high difference (what a shape edit gives: the texts disagree at the outline) on a low floor. */
const ring = Float32Array.from({ length: 64 }, (_, i) => {
  const x = i % 8;
  const y = Math.floor(i / 8);
  const onRing = (x === 2 || x === 5) && y >= 2 && y <= 5 ? 1 : (y === 2 || y === 5) && x >= 2 && x <= 5 ? 1 : 0;
  return onRing ? 1 : 0.02;
});
const placement = { canvas: { width: 64, height: 64 }, left: 0, top: 0, width: 64, height: 64 };

describe('the automatic mask', () => {
  it('scales the map to [0, 1] by r·mean, so the scale of the predictions does not matter', () => {
    const a = normalisedMap(ring, grid, { ...AUTO_MASK, smoothing: 0 });
    const b = normalisedMap(
      ring.map((v) => 40 * v),
      grid,
      { ...AUTO_MASK, smoothing: 0 },
    );
    expect([...a]).toEqual([...b]);
    expect(Math.max(...a)).toBe(1);
  });

  it('fills what its outline encloses, and only with fillHoles', () => {
    const scaled = normalisedMap(ring, grid, { ...AUTO_MASK, smoothing: 0 });
    const count = (m: Float32Array) => m.reduce((a, b) => a + b, 0);
    const plain = maskOnLayer(
      scaled,
      grid,
      placement,
      { width: 32, height: 32 },
      { ...AUTO_MASK, closing: 0, fillHoles: 0 },
    );
    const filled = maskOnLayer(scaled, grid, placement, { width: 32, height: 32 }, { ...AUTO_MASK, closing: 0 });
    const centre = 16 * 32 + 16;
    expect(plain[centre]).toBe(0);
    expect(filled[centre]).toBe(1);
    expect(count(filled)).toBeGreaterThan(count(plain));
    // Nothing outside the outline joins: the corners stay out.
    expect(filled[0]).toBe(0);
  });
});
