// How much the UNet listens to each word of its caption: for held-out scenes noised to several timesteps, the relative
// change ‖f(z_t, t, e') − f(z_t, t, e)‖ / ‖f(z_t, t, e)‖ of the UNet's output when one slot's word is swapped (e: the
// true caption, e': the caption with another shape, colour or background). A model that draws what it is told needs
// each slot well above zero at the noisy timesteps, where the layout is decided; the classifier's generation score
// says whether it does, this says which word it does not hear, and at which noise level.
import { join } from 'node:path';
import { NoiseSchedule } from '../diffusion/schedulers/noise-schedule.ts';
import { loadPackageAsync } from '../engine/package-loader.ts';
import { SessionPool } from '../engine/session-pool.ts';
import { encodeImageAsync, encodeTextAsync } from '../engine/stage-encode.ts';
import { floatFeed, output, timestepFeed } from '../engine/tensors.ts';
import { toModelInput } from '../images/model-input.ts';
import { Rng } from '../util/rng.ts';
import { examples } from './dataset.ts';
import { EVAL_SEED } from './eval-cases.ts';
import { BACKGROUNDS, caption, COLOURS, SCENE_SIZE, SHAPES, withSlots, type SceneSpec } from './scene.ts';

export const SENSITIVITY_TIMESTEPS = [100, 300, 500, 700, 900] as const;
type Slot = 'shape' | 'colour' | 'background';

export interface SensitivityResult {
  readonly scenes: number;
  readonly timesteps: readonly number[];
  /** Mean relative output change per slot, one value per timestep. */
  readonly bySlot: Readonly<Record<Slot, readonly number[]>>;
  /**
   * Mean relative change ‖e' − e‖ / ‖e‖ of the text encoder's output per slot: how far apart Imagic's e_tgt and the
   * input's own caption lie, which is what the interpolation ē = η·e_tgt + (1−η)·e_opt has to span (eq. 3).
   */
  readonly embeddingChange: Readonly<Record<Slot, number>>;
}

/** The next value of the slot's list: a different word for the same slot. */
const SWAP: { readonly [K in Slot]: (s: SceneSpec) => Partial<SceneSpec> } = {
  shape: (s) => ({ shape: SHAPES[(SHAPES.indexOf(s.shape) + 1) % SHAPES.length]! }),
  colour: (s) => ({ colour: COLOURS[(COLOURS.indexOf(s.colour) + 1) % COLOURS.length]! }),
  background: (s) => ({ background: BACKGROUNDS[(BACKGROUNDS.indexOf(s.background) + 1) % BACKGROUNDS.length]! }),
};

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

export async function evaluateSensitivity(modelDir: string, scenes: number): Promise<SensitivityResult> {
  const pool = new SessionPool({ provider: 'cpu' });
  try {
    const pkg = await loadPackageAsync(modelDir, pool);
    const unet = await pool.getAsync(`${pkg.modelId}/unet#plain`, () => ({
      kind: 'file',
      path: join(modelDir, 'unet', 'model.onnx'),
    }));
    const schedule = new NoiseSchedule(pkg.scheduler);
    const ehsDims = pkg.unet.inputShapes['encoder_hidden_states']!;
    const sums: Record<Slot, number[]> = { shape: [], colour: [], background: [] };
    const embeddingSums: Record<Slot, number> = { shape: 0, colour: 0, background: 0 };
    const slots = Object.keys(SWAP) as Slot[];
    for (const slot of slots) sums[slot] = SENSITIVITY_TIMESTEPS.map(() => 0);
    const rng = new Rng(EVAL_SEED);
    for (const ex of examples(EVAL_SEED + 1, 0, scenes)) {
      const input = await toModelInput({ width: SCENE_SIZE, height: SCENE_SIZE, rgba: ex.rgba }, pkg.imageSize);
      const z0 = await encodeImageAsync(pkg, input.pixels);
      const e = await encodeTextAsync(pkg, ex.caption);
      const swapped = await Promise.all(
        slots.map((slot) => encodeTextAsync(pkg, caption(withSlots(ex.spec, SWAP[slot](ex.spec))))),
      );
      for (const [i, slot] of slots.entries())
        embeddingSums[slot] += norm(swapped[i]!.map((v, j) => v - e[j]!)) / norm(e);
      const noise = rng.normalArray(z0.length);
      for (const [k, t] of SENSITIVITY_TIMESTEPS.entries()) {
        const zt = schedule.addNoise(z0, noise, t);
        const run = async (embedding: Float32Array) =>
          output(
            await unet.runAsync(
              {
                sample: floatFeed(unet.input('sample')!, zt, pkg.latentDims),
                timestep: timestepFeed(unet.input('timestep')!, t),
                encoder_hidden_states: floatFeed(unet.input('encoder_hidden_states')!, embedding, ehsDims),
              },
              ['out_sample'],
            ),
            'out_sample',
          );
        const base = await run(e);
        for (const [i, slot] of slots.entries()) {
          const other = await run(swapped[i]!);
          sums[slot][k]! += norm(other.map((v, j) => v - base[j]!)) / norm(base);
        }
      }
    }
    const mean = (xs: number[]) => xs.map((x) => Number((x / scenes).toPrecision(3)));
    const embeddingChange = Object.fromEntries(
      slots.map((slot) => [slot, Number((embeddingSums[slot] / scenes).toPrecision(3))]),
    ) as Record<Slot, number>;
    return {
      scenes,
      timesteps: SENSITIVITY_TIMESTEPS,
      bySlot: { shape: mean(sums.shape), colour: mean(sums.colour), background: mean(sums.background) },
      embeddingChange,
    };
  } finally {
    await pool.closeAsync();
  }
}
