// What one training step sees: B fresh scenes from the data set, their captions (a fraction dropped to the empty
// prompt, for classifier-free guidance; Ho & Salimans 2022, §3.2), and one noised latent per scene:
//   z0 = s·B·x (pixel-vae.ts; s the package's scaling factor),  z_t = sqrt(ᾱ_t)·z0 + sqrt(1 − ᾱ_t)·ε,
//   t ~ U{0..T−1}, ε = N(0, I) + σ·N(0, 1) per colour (offset noise), target v = sqrt(ᾱ_t)·ε − sqrt(1 − ᾱ_t)·z0
//   (or ε for an ε-prediction config), weighted by min(1, γ/SNR_t). See DemoTrainConfig for why each.
// The weight enters the graph as its square root multiplying output and target (train-graph.ts).
// Everything is drawn from (seed, step) alone, so a resumed run sees what an uninterrupted one would have.
import { TARGET_INPUT } from '../autodiff/gradient-model.ts';
import { NoiseSchedule } from '../diffusion/schedulers/noise-schedule.ts';
import { UNET_INPUTS } from '../model-builder/unet.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { Rng } from '../util/rng.ts';
import { example, examples, streamSeed } from './dataset.ts';
import type { DemoConfig } from './demo-config.ts';
import { encodeScene, pixelVaeChannels } from './pixel-vae.ts';
import { TEXT_INPUT } from './text-encoder.ts';
import { LOSS_WEIGHT_INPUT, lossWeightDims } from './train-graph.ts';

export interface TrainingBatch {
  /** int64 [B, T]. */
  readonly ids: BigInt64Array;
  /** z_t, [B, C, L, L]. */
  readonly sample: Float32Array;
  /** float [B]. */
  readonly timestep: Float32Array;
  /** sqrt(w)·v (or sqrt(w)·ε), [B, C, L, L]. */
  readonly target: Float32Array;
  /** sqrt(w) per example and latent cell, [B, L, L]. */
  readonly weight: Float32Array;
}

/** Salt separating the noise streams from the data streams of the same seed. */
const NOISE_SALT = 0x6e6f6973;
/** Channels of band 0, the patch means (pixel-vae.ts: channel = band·3 + colour axis). */
const COLOUR_AXES = 3;
/** Scenes averaged to measure the latents' spread. */
const SCALE_SAMPLE = 512;

const geometry = (c: DemoConfig) => ({ sceneSize: c.sceneSize, latentSize: c.unet.latentSize });

/**
 * SD's scaling factor is 1/std of its VAE's latents (Rombach et al. 2022, §4.3.2 and appendix G), so that the scaled
 * latents have unit spread, which the noise schedule assumes; here 1/rms of B·x over the data set, to 4 digits.
 */
export function latentScale(config: DemoConfig): number {
  let sum = 0;
  let n = 0;
  for (const ex of examples(config.train.seed, 0, SCALE_SAMPLE, config.sceneSize)) {
    const z = encodeScene(ex.rgba, geometry(config));
    for (const v of z) sum += v * v;
    n += z.length;
  }
  return Number((1 / Math.sqrt(sum / n)).toPrecision(4));
}

/**
 * Per latent cell, the loss weight objectWeight on cells the shape touches or borders (its coverage, the example's
 * per-pixel `coverage`, pooled over each cell's patch and dilated by one cell), 1 elsewhere, divided by their mean:
 * the same total weight per example, moved toward the shape (DemoTrainConfig.objectWeight). All ones when the config
 * has no object weight.
 */
export function cellWeights(config: DemoConfig, alpha: Float32Array): Float32Array {
  const L = config.unet.latentSize;
  const out = new Float32Array(L * L).fill(1);
  const k = config.train.objectWeight ?? 1;
  if (k === 1) return out;
  const size = config.sceneSize;
  const patch = size / L;
  const touched = new Uint8Array(L * L);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      if (alpha[y * size + x]! > 0) touched[Math.floor(y / patch) * L + Math.floor(x / patch)] = 1;
  for (let cy = 0; cy < L; cy++) {
    for (let cx = 0; cx < L; cx++) {
      let near = false;
      for (let dy = -1; dy <= 1 && !near; dy++)
        for (let dx = -1; dx <= 1 && !near; dx++)
          near = touched[Math.min(L - 1, Math.max(0, cy + dy)) * L + Math.min(L - 1, Math.max(0, cx + dx))] === 1;
      if (near) out[cy * L + cx] = k;
    }
  }
  const mean = out.reduce((s, v) => s + v, 0) / out.length;
  return out.map((v) => v / mean);
}

export function trainingBatch(
  config: DemoConfig,
  tokenizer: ClipTokenizer,
  schedule: NoiseSchedule,
  scale: number,
  step: number,
): TrainingBatch {
  const { batch, seed, captionDropout } = config.train;
  const T = config.text.sequenceLength;
  const channels = pixelVaeChannels(geometry(config));
  if (config.unet.inChannels !== channels || config.unet.outChannels !== channels)
    throw new RangeError(
      `the UNet takes ${config.unet.inChannels} and returns ${config.unet.outChannels} channels; the pixel VAE's latent for ${config.sceneSize}-pixel scenes at ${config.unet.latentSize}² has ${channels}`,
    );
  const side = config.unet.latentSize ** 2;
  const plane = channels * side;
  const rng = new Rng(streamSeed(seed ^ NOISE_SALT, step));
  const ids = new BigInt64Array(batch * T);
  const sample = new Float32Array(batch * plane);
  const timestep = new Float32Array(batch);
  const target = new Float32Array(batch * plane);
  const weight = new Float32Array(batch * side);
  for (let b = 0; b < batch; b++) {
    const ex = example(seed, step * batch + b, config.sceneSize);
    const text = rng.uniform() < captionDropout ? '' : ex.caption;
    tokenizer.encode(text, { length: T }).forEach((id, i) => (ids[b * T + i] = BigInt(id)));
    const z0 = encodeScene(ex.rgba, geometry(config)).map((v) => v * scale);
    const t = Math.min(schedule.numTrainTimesteps - 1, Math.floor(rng.uniform() * schedule.numTrainTimesteps));
    const eps = rng.normalArray(plane);
    // Offset noise shifts each colour of the whole image by a constant; in the patch basis (pixel-vae.ts) such a shift
    // lives only in the patch-mean channels (band 0: one per colour axis), the detail bands of a flat image being 0.
    for (let c = 0; c < COLOUR_AXES; c++) {
      const offset = config.train.offsetNoise * rng.normal();
      for (let p = c * side; p < (c + 1) * side; p++) eps[p] = eps[p]! + offset;
    }
    const alphaBar = schedule.alphaBar(t);
    const snr = alphaBar / (1 - alphaBar);
    const w = Math.sqrt(Math.min(1, config.train.minSnrGamma / snr));
    const cells = cellWeights(config, ex.coverage);
    const goal = config.predictionType === 'v_prediction' ? schedule.velocity(z0, eps, t) : eps;
    timestep[b] = t;
    for (let p = 0; p < side; p++) weight[b * side + p] = w * Math.sqrt(cells[p]!);
    sample.set(schedule.addNoise(z0, eps, t), b * plane);
    target.set(
      goal.map((v, i) => v * weight[b * side + (i % side)]!),
      b * plane,
    );
  }
  return { ids, sample, timestep, target, weight };
}

/** The training graph's feeds for one batch: ids, z_t, t, the target ε, and the current value of every weight. */
export function stepFeeds(
  config: DemoConfig,
  b: TrainingBatch,
  weights: ReadonlyMap<string, { readonly dims: readonly number[] }>,
  values: ReadonlyMap<string, Float32Array>,
): Record<string, HostTensor> {
  const { batch } = config.train;
  const latentDims = [batch, config.unet.inChannels, config.unet.latentSize, config.unet.latentSize];
  const feeds: Record<string, HostTensor> = {
    [TEXT_INPUT]: { dtype: 'int64', dims: [batch, config.text.sequenceLength], data: b.ids },
    [UNET_INPUTS.sample]: { dtype: 'float32', dims: latentDims, data: b.sample },
    [UNET_INPUTS.timestep]: { dtype: 'float32', dims: [batch], data: b.timestep },
    [TARGET_INPUT]: { dtype: 'float32', dims: latentDims, data: b.target },
    [LOSS_WEIGHT_INPUT]: { dtype: 'float32', dims: lossWeightDims(config), data: b.weight },
  };
  for (const [name, w] of weights) feeds[name] = { dtype: 'float32', dims: w.dims, data: values.get(name)! };
  return feeds;
}
