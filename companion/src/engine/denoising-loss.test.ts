import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_CONFIG } from '../diffusion/schedulers/scheduler-config.ts';
import { DenoisingDraws } from './denoising-loss.ts';

const z0 = Float32Array.from({ length: 16 }, (_, i) => Math.sin(i));
const timesteps = (draws: DenoisingDraws, n: number) => Array.from({ length: n }, () => draws.next().t);

describe('DenoisingDraws', () => {
  it('draws t over all of [0, T) by default', () => {
    const t = timesteps(new DenoisingDraws(DEFAULT_SCHEDULER_CONFIG, z0, 7), 2000);
    expect(Math.min(...t)).toBeLessThan(20);
    expect(Math.max(...t)).toBeGreaterThan(980);
  });

  it('draws t below trainStrength·T only, and up to it', () => {
    const t = timesteps(new DenoisingDraws(DEFAULT_SCHEDULER_CONFIG, z0, 7, 0.6), 2000);
    expect(Math.max(...t)).toBeLessThan(600);
    expect(Math.max(...t)).toBeGreaterThan(580);
    expect(Math.min(...t)).toBeLessThan(20);
  });
});
