// DiffEdit's automatic mask (Couairon et al. 2022, §3.1 step 1): noise the input to a middle level, predict the noise
// under the target text and under a source text, and mark where the two predictions differ. Averaged over several
// noise draws, that difference lights up where the texts disagree about the image, which is where the edit must
// happen; elsewhere both texts explain the input the same way.
//   D(x, y) = mean over draws k and latent channels c of |ε_θ(z_t^k, t, e_tgt) − ε_θ(z_t^k, t, e_src)|
//   m = [ min(D, r·mean D) / (r·mean D) > τ ]
// The constants are diffusers' generate_mask defaults, which reproduce the paper's: 10 draws, t at half of the schedule
// (its mask_encode_strength 0.5), the clamp at r = 3 times the map's mean (extreme values no longer set the scale) and
// the threshold τ = 0.5. Guidance scales both predictions' difference by g and so cancels in the normalisation: one
// batch-2 UNet pass per draw gives the difference directly, through the sampling step with weights (−1, +1).
// SMOOTHING then fills single-cell holes and drops single-cell specks before the threshold.
import { fail } from '../errors.ts';
import type { ContentRect, Size } from '../images/model-input.ts';
import { NoiseSchedule } from '../diffusion/schedulers/noise-schedule.ts';
import { numel } from '../graph/tensor.ts';
import { Rng } from '../util/rng.ts';
import { carriedOutputName } from './adam.ts';
import { LATENT_INPUT, PREVIOUS_X0_INPUT, STEP_INPUT, STEP_SCALARS } from './denoising-step.ts';
import type { ImagicPackage } from './package-loader.ts';
import type { SamplingUNet } from './stage-sample.ts';
import { floatFeed, output, timestepFeed } from './tensors.ts';
import { EMBEDDING_INPUT } from './unet-graphs.ts';

export const AUTO_MASK = {
  draws: 10,
  /** The noise level, as a fraction of the training schedule. */
  strength: 0.5,
  clampRatio: 3,
  threshold: 0.5,
  /** Passes of a 3×3 binomial blur of the normalised map before the threshold; 0 turns it off. */
  smoothing: 1,
  /** Morphological closing (a 3×3 dilation, then erosion) of the thresholded mask: closes one-cell gaps in its outline. */
  closing: 1,
  /** Fill the cells the mask encloses (1) or not (0). */
  fillHoles: 1,
} as const;

export type AutoMaskSettings = { readonly [K in keyof typeof AUTO_MASK]: number };

/**
 * The mask on the latent grid ([h·w], 1 = may change) for editing the input latent `z0` from the text `source` toward
 * `target` (both text embeddings). `net` predicts a pair (its 'pair' or 'twice' step, no adapters: DiffEdit asks the
 * base model).
 */
export async function autoMaskLatentAsync(
  pkg: ImagicPackage,
  net: SamplingUNet,
  z0: Float32Array,
  embeddings: { readonly source: Float32Array; readonly target: Float32Array },
  seed: number,
  settings: AutoMaskSettings = AUTO_MASK,
): Promise<Float32Array> {
  if (net.predictions === 'single') fail('INTERNAL', 'the automatic mask needs a step that predicts a pair');
  const { session } = net;
  const [, channels, h, w] = pkg.latentDims;
  const schedule = new NoiseSchedule(pkg.scheduler);
  const t = Math.max(0, Math.round(settings.strength * schedule.numTrainTimesteps) - 1);
  const ehsDims = pkg.unet.inputShapes[EMBEDDING_INPUT]!;
  const latentDims = [...pkg.latentDims];
  // The step's update returns its guided prediction ε̂ = −ε(e_src) + ε(e_tgt) as the "next" latent: input scale 1, no
  // x0, next = 1·ε̂.
  const probe = Float32Array.from([1, 0, 0, Infinity, 0, 1, 0, 0, -1, 1]);
  if (probe.length !== STEP_SCALARS) fail('INTERNAL', 'the sampling step changed its scalars');
  const pair = new Float32Array(2 * embeddings.source.length);
  pair.set(embeddings.source);
  pair.set(embeddings.target, embeddings.source.length);
  const rng = new Rng(seed);
  const map = new Float32Array(h * w);
  for (let k = 0; k < settings.draws; k++) {
    const noised = schedule.addNoise(z0, rng.normalArray(numel(latentDims)), t);
    const results = await session.runAsync(
      {
        [EMBEDDING_INPUT]: floatFeed(session.input(EMBEDDING_INPUT)!, pair.slice(), [2, ...ehsDims.slice(1)]),
        [LATENT_INPUT]: { dtype: 'float32', dims: latentDims, data: noised },
        [PREVIOUS_X0_INPUT]: { dtype: 'float32', dims: latentDims, data: new Float32Array(noised.length) },
        [STEP_INPUT]: { dtype: 'float32', dims: [STEP_SCALARS], data: probe.slice() },
        timestep: timestepFeed(session.input('timestep')!, t, net.predictions === 'pair' ? 2 : 1),
      },
      [carriedOutputName(LATENT_INPUT)],
    );
    const diff = output(results, carriedOutputName(LATENT_INPUT));
    for (let c = 0; c < channels; c++)
      for (let i = 0; i < h * w; i++) map[i]! += Math.abs(diff[c * h * w + i]!) / (settings.draws * channels);
  }
  return normalisedMap(map, { width: w, height: h }, settings);
}

/** Clamp at r·mean, scale to [0, 1], smooth (the recipe above): the map the threshold reads, on the latent grid. */
export function normalisedMap(
  map: Float32Array,
  grid: Size,
  settings: Pick<AutoMaskSettings, 'clampRatio' | 'smoothing'>,
): Float32Array {
  const mean = map.reduce((a, b) => a + b, 0) / map.length;
  const cap = mean * settings.clampRatio;
  let scaled: Float32Array = cap > 0 ? map.map((v) => Math.min(v, cap) / cap) : new Float32Array(map.length);
  for (let pass = 0; pass < settings.smoothing; pass++) scaled = binomial3(scaled, grid);
  return scaled;
}

/**
 * The normalised map at the layer's pixels (bilinear between cell centres, so the mask's edge follows the map rather
 * than the latent cells), thresholded, closed and filled there.
 */
export function maskOnLayer(
  scaled: Float32Array,
  grid: Size,
  placement: ContentRect,
  layer: Size,
  settings: Pick<AutoMaskSettings, 'threshold' | 'closing' | 'fillHoles'>,
): Float32Array {
  const fx = placement.canvas.width / grid.width;
  const fy = placement.canvas.height / grid.height;
  const at = (x: number, y: number) =>
    scaled[Math.min(grid.height - 1, Math.max(0, y)) * grid.width + Math.min(grid.width - 1, Math.max(0, x))]!;
  const out = new Float32Array(layer.width * layer.height);
  for (let y = 0; y < layer.height; y++) {
    const gy = (placement.top + ((y + 0.5) * placement.height) / layer.height) / fy - 0.5;
    const y0 = Math.floor(gy);
    const ty = gy - y0;
    for (let x = 0; x < layer.width; x++) {
      const gx = (placement.left + ((x + 0.5) * placement.width) / layer.width) / fx - 0.5;
      const x0 = Math.floor(gx);
      const tx = gx - x0;
      const v =
        (1 - ty) * ((1 - tx) * at(x0, y0) + tx * at(x0 + 1, y0)) +
        ty * ((1 - tx) * at(x0, y0 + 1) + tx * at(x0 + 1, y0 + 1));
      out[y * layer.width + x] = v > settings.threshold ? 1 : 0;
    }
  }
  // Closing by about one latent cell in layer pixels: a gap of one cell in the outline closes.
  const cellPx = Math.max(1, Math.round((fx * layer.width) / placement.width));
  let binary: Float32Array = out;
  for (let k = 0; k < settings.closing * cellPx; k++) binary = morph(binary, layer, 1);
  for (let k = 0; k < settings.closing * cellPx; k++) binary = morph(binary, layer, 0);
  return settings.fillHoles ? filled(binary, layer) : binary;
}

/** A 3×3 dilation (`to` = 1: a cell joins when any neighbour is in) or erosion (`to` = 0: leaves when any is out). */
function morph(mask: Float32Array, { width, height }: Size, to: 0 | 1): Float32Array {
  return mask.map((v, i) => {
    const x = i % width;
    const y = (i - x) / width;
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const nx = x + dx;
        const ny = y + dy;
        // Past the border counts as the value being spread, so an erosion does not eat a mask at the edge.
        const n = nx < 0 || ny < 0 || nx >= width || ny >= height ? 1 - to : mask[ny * width + nx]!;
        if (n === to) return to;
      }
    return v;
  });
}

/** The mask with every cell it encloses added: the cells no path of unmasked cells links to the grid's border. */
function filled(mask: Float32Array, { width, height }: Size): Float32Array {
  const outside = new Uint8Array(mask.length);
  const stack: number[] = [];
  const visit = (x: number, y: number) => {
    const i = y * width + x;
    if (x < 0 || y < 0 || x >= width || y >= height || outside[i] || mask[i] === 1) return;
    outside[i] = 1;
    stack.push(i);
  };
  for (let x = 0; x < width; x++) {
    visit(x, 0);
    visit(x, height - 1);
  }
  for (let y = 0; y < height; y++) {
    visit(0, y);
    visit(width - 1, y);
  }
  while (stack.length > 0) {
    const i = stack.pop()!;
    const x = i % width;
    const y = (i - x) / width;
    visit(x + 1, y);
    visit(x - 1, y);
    visit(x, y + 1);
    visit(x, y - 1);
  }
  return mask.map((v, i) => (v === 1 || !outside[i] ? 1 : 0));
}

/** A 3×3 [1 2 1]ᵀ[1 2 1]/16 blur, renormalised at the borders. */
function binomial3(map: Float32Array, { width, height }: Size): Float32Array {
  const out = new Float32Array(map.length);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let weight = 0;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const ny = y + dy;
          const nx = x + dx;
          if (ny < 0 || ny >= height || nx < 0 || nx >= width) continue;
          const k = (2 - Math.abs(dy)) * (2 - Math.abs(dx));
          sum += k * map[ny * width + nx]!;
          weight += k;
        }
      out[y * width + x] = sum / weight;
    }
  return out;
}
