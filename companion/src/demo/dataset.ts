// The demo data set: scenes drawn from a seed, so any example is reproducible from (seed, index) alone and a
// training run needs no files. Example i of seed s uses its own Rng stream, so resuming at any step redraws
// exactly what an uninterrupted run would have drawn.
import { Rng } from '../util/rng.ts';
import { caption, coverage, randomScene, renderScene, SCENE_SIZE, type SceneSpec } from './scene.ts';

export interface Example {
  readonly spec: SceneSpec;
  readonly caption: string;
  /** Opaque RGBA8, SCENE_SIZE × SCENE_SIZE. */
  readonly rgba: Uint8Array;
  /** The shape's coverage of each pixel, 0–1, SCENE_SIZE × SCENE_SIZE (scene.ts). */
  readonly coverage: Float32Array;
}

/** One independent stream per (seed, index): splitmix-style mixing of the two into an Rng seed. */
export function streamSeed(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function example(seed: number, index: number, size = SCENE_SIZE): Example {
  const spec = randomScene(new Rng(streamSeed(seed, index)), size);
  const alpha = coverage(spec, size);
  return { spec, caption: caption(spec), rgba: renderScene(spec, size, alpha), coverage: alpha };
}

export function examples(seed: number, start: number, count: number, size = SCENE_SIZE): Example[] {
  return Array.from({ length: count }, (_, i) => example(seed, start + i, size));
}
