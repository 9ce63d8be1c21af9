// Stage 3 from the layer's edit-friendly DDPM inversion (Huberman-Spiegelglas, Kulikov & Michaeli, "An Edit Friendly
// DDPM Noise Space", CVPR 2024, eqs. 6–7), under the edit's tuned UNet and e_opt. For one seed, every level of the
// sampler's grid gets its own noisy copy of the input, x_i = sqrt(ᾱ_i)·z0 + sqrt(1 − ᾱ_i)·ε_i (ε_i independent),
// and each step's noise map is what takes the stochastic (DDIM η = 1, i.e. DDPM) step from x_i to x_{i+1} exactly:
//   z_i = (x_{i+1} − μ_i(x_i; e_opt)) / σ_i
// Sampling ē = η·e_tgt + (1 − η)·e_opt (paper eq. 3) then runs the same chain from x_0 with those maps,
// x_{i+1} = μ_i(x_i; ē) + σ_i·z_i: at η = 0 it retraces the input exactly (up to the VAE), and as η grows the text
// moves what the maps do not pin down. The maps carry the input's layout, which the default's long stage 2 had to
// teach the adapters: with them a tenth of its training edits as well on the demo model (models/demo/README.md).
// Each step runs in the sampling graph (denoising-step.ts) with DDPM's μ as its linear update; σ_i·z_i is added on the
// host, so the latent goes down and up once per step.
import { ADAPTER_SCALE_INPUT } from '../autodiff/adapters.ts';
import { NoiseSchedule } from '../diffusion/schedulers/noise-schedule.ts';
import { schedulers } from '../diffusion/schedulers/samplers.ts';
import type { LinearStep } from '../diffusion/schedulers/linear-step.ts';
import { numel } from '../graph/tensor.ts';
import { Rng } from '../util/rng.ts';
import type { ImagicPackage } from './package-loader.ts';
import { adapterStrength, fades } from './late-adapters.ts';
import type { SampleSettings } from './settings.ts';
import { decodeLatentAsync } from './stage-encode.ts';
import {
  guidanceTerms,
  LATENT_INPUT,
  PREVIOUS_X0_INPUT,
  SAMPLING_CARRIED,
  STEP_INPUT,
  STEP_SCALARS,
  stepScalars,
} from './denoising-step.ts';
import { floatFeed, timestepFeed, toFloat32 } from './tensors.ts';
import { EMBEDDING_INPUT } from './unet-graphs.ts';
import { interpolateEmbedding, type Embeddings, type SampledImage, type SamplingUNet } from './stage-sample.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import { checkCancelled, type RunHooks } from './progress.ts';
import { quickStartStep } from './quick-edit.ts';
import { carriedOutputName } from './adam.ts';

/** DDPM's step (DDIM with η = 1) from level ᾱ_a to ᾱ_b as a linear map to its mean μ, and its σ; ε- or v-prediction. */
function ddpmStep(a: number, b: number, v: boolean): { step: LinearStep; sigma: number } {
  const sigma = Math.sqrt((1 - b) / (1 - a)) * Math.sqrt(1 - a / b);
  const c = Math.sqrt(Math.max(0, 1 - b - sigma * sigma));
  const step: LinearStep = v
    ? {
        input: 1,
        x0: { sample: Math.sqrt(a), output: -Math.sqrt(1 - a) },
        next: { sample: c * Math.sqrt(1 - a), output: c * Math.sqrt(a), x0: Math.sqrt(b), previous: 0 },
      }
    : {
        input: 1,
        x0: { sample: 1 / Math.sqrt(a), output: -Math.sqrt(1 - a) / Math.sqrt(a) },
        next: { sample: 0, output: c, x0: Math.sqrt(b), previous: 0 },
      };
  return { step, sigma };
}

/**
 * Every η of `s` for one seed, from `z0`'s noise maps (the first `(1 − strength)` of the grid skipped, as the paper's
 * T_skip). Progress counts the inversion's steps and each η's.
 */
export async function sampleInvertedAsync(
  pkg: ImagicPackage,
  net: SamplingUNet,
  e: Embeddings,
  z0: Float32Array,
  s: SampleSettings,
  seed: number,
  hooks: RunHooks,
  progress: { done: number; total: number },
): Promise<SampledImage[]> {
  const { session, predictions } = net;
  const scheduler = schedulers[s.sampler](pkg.scheduler);
  scheduler.setTimesteps(s.steps);
  const ts = scheduler.timesteps;
  const schedule = new NoiseSchedule(pkg.scheduler);
  const finalAlpha = pkg.scheduler.setAlphaToOne ? 1 : schedule.alphaBar(0);
  const alphas = [...ts.map((t) => schedule.alphaBar(Math.round(t))), finalAlpha];
  const v = pkg.scheduler.predictionType === 'v_prediction';
  const n = numel(pkg.latentDims);
  const skip = quickStartStep(s.steps, s.strength ?? 1);
  const rng = new Rng(seed);
  // x_i at every level i (independent noise), x_N = z0.
  const xs = ts.map((t) => schedule.addNoise(z0, rng.normalArray(n), Math.round(t)));
  xs.push(z0);
  const weights = guidanceTerms(s.guidanceScale);
  const ehsDims = pkg.unet.inputShapes[EMBEDDING_INPUT]!;
  const scaleInfo = session.input(ADAPTER_SCALE_INPUT);
  const late = fades(s.lateAdapters) ? s.lateAdapters : undefined;
  const latentFeed = (values: Float32Array): HostTensor => ({ dtype: 'float32', dims: pkg.latentDims, data: values });
  /** One step's μ from `x` at step i under `cond`. */
  const mu = async (x: Float32Array, i: number, cond: Float32Array, eta: number): Promise<Float32Array> => {
    checkCancelled(hooks.signal, `sampling step ${i + 1}`);
    // A single prediction is the unconditional one at g = 0, the conditional one otherwise (as stage-sample.ts feeds).
    const ehs = predictions === 'single' ? [weights.cond !== 0 ? cond : e.empty] : [e.empty, cond];
    const joined = new Float32Array(ehs.reduce((k, a) => k + a.length, 0));
    ehs.forEach((a, j) => joined.set(a, j * a.length));
    const { step } = ddpmStep(alphas[i]!, alphas[i + 1]!, v);
    const result = await session.runKeepingAsync(
      {
        [LATENT_INPUT]: latentFeed(x.slice()),
        [PREVIOUS_X0_INPUT]: latentFeed(new Float32Array(n)),
        [EMBEDDING_INPUT]: floatFeed(session.input(EMBEDDING_INPUT)!, joined, [ehs.length, ...ehsDims.slice(1)]),
        [STEP_INPUT]: { dtype: 'float32', dims: [STEP_SCALARS], data: stepScalars(step, weights) },
        timestep: timestepFeed(session.input('timestep')!, ts[i]!, predictions === 'pair' ? 2 : 1),
        ...(scaleInfo
          ? {
              [ADAPTER_SCALE_INPUT]: floatFeed(
                scaleInfo,
                Float32Array.of(adapterStrength(i, ts.length, eta, late)),
                [1],
              ),
            }
          : {}),
      },
      [...SAMPLING_CARRIED.keys()],
    );
    const refs = Object.values(result.kept);
    const [z] = await session.downloadAsync([result.kept[carriedOutputName(LATENT_INPUT)]!]);
    await session.freeAsync(refs);
    progress.done++;
    hooks.onProgress?.({ stage: 'sample', step: progress.done, total: progress.total });
    return toFloat32(z!);
  };
  // The noise maps under e_opt (η = 0: the adapters at full strength, as η = 0 samples).
  const maps: Float32Array[] = [];
  for (let i = skip; i < ts.length; i++) {
    const m = await mu(xs[i]!, i, e.optimized, 0);
    const { sigma } = ddpmStep(alphas[i]!, alphas[i + 1]!, v);
    maps.push(Float32Array.from(m, (val, j) => (sigma > 0 ? (xs[i + 1]![j]! - val) / sigma : 0)));
  }
  const images: SampledImage[] = [];
  for (const eta of s.etas) {
    const cond = interpolateEmbedding(e, eta);
    let x = xs[skip]!;
    for (let i = skip; i < ts.length; i++) {
      const m = await mu(x, i, cond, eta);
      const { sigma } = ddpmStep(alphas[i]!, alphas[i + 1]!, v);
      const zmap = maps[i - skip]!;
      x = Float32Array.from(m, (val, j) => val + sigma * zmap[j]!);
    }
    images.push({ eta, seed, pixels: await decodeLatentAsync(pkg, x), loop: { hostBytesPerStep: 0, onDevice: false } });
  }
  return images;
}
