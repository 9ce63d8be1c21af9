// Stage 3 (imagic.md; paper §3, "Text embedding interpolation" and "Generation"): for each η,
//   ē = η·e_tgt + (1 − η)·e_opt                                   (paper eq. 3)
// then sample with the fine-tuned UNet f_θ̂ from z_T = σ_init·N(0, I) (a seeded Rng per output), with
// classifier-free guidance (Ho & Salimans 2022) against the empty prompt's embedding e_∅:
//   ε̂ = ε_θ̂(z_t, t, e_∅) + g·(ε_θ̂(z_t, t, ē) − ε_θ̂(z_t, t, e_∅))
// stepping with the chosen scheduler, and decode D(z0/scale). η = 0 conditions on e_opt alone, which stage 2
// taught the model to reconstruct the input from. With `lateAdapters`, the UNet is the 'scaled' one and each step
// feeds the adapters' strength (late-adapters.ts).
import { ADAPTER_SCALE_INPUT } from '../autodiff/adapters.ts';
import { schedulers } from '../diffusion/schedulers/scheduler.ts';
import { fail } from '../errors.ts';
import { numel } from '../graph/tensor.ts';
import { Rng } from '../util/rng.ts';
import type { ImagicPackage } from './package-loader.ts';
import { adapterStrength, fades } from './late-adapters.ts';
import { checkCancelled, type RunHooks } from './progress.ts';
import type { SampleSettings } from './settings.ts';
import { decodeLatentAsync } from './stage-encode.ts';
import { floatFeed, output, timestepFeed } from './tensors.ts';
import { EMBEDDING_INPUT, UNET_OUTPUT } from './unet-graphs.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import type { KeptRef } from './worker/rpc.ts';
import type { RemoteSession } from './worker/session-host.ts';

export interface Embeddings {
  /** e_tgt = TextEncoder(target text). */
  readonly target: Float32Array;
  /** e_opt, the result of stage 1. */
  readonly optimized: Float32Array;
  /** e_∅ = TextEncoder(""), the unconditional embedding for guidance. */
  readonly empty: Float32Array;
}

export interface SampledImage {
  readonly eta: number;
  readonly seed: number;
  /** NCHW [1, 3, H, W] at the working size, nominally in [-1, 1]. */
  readonly pixels: Float32Array;
}

/** ē = η·e_tgt + (1 − η)·e_opt (paper eq. 3). */
export function interpolateEmbedding(e: Embeddings, eta: number): Float32Array {
  return Float32Array.from(e.target, (t, i) => eta * t + (1 - eta) * e.optimized[i]!);
}

/** Guidance weights of the unconditional and the conditional prediction: ε̂ = (1 − g)·ε_u + g·ε_c. */
const guidanceTerms = (g: number) => ({ uncond: 1 - g, cond: g });

/** Whether a guidance scale needs both predictions (g = 1 needs only the conditional one, g = 0 the unconditional). */
export const needsPair = (g: number): boolean => g !== 0 && g !== 1;

/**
 * The sampling UNet. At batch 2 it predicts the guided pair in one run, [ε_u; ε_c] from [z; z] and [e_∅; ē]: SD 1.5 at
 * 64×64 on 2 CPU cores, 0.87× the time of two batch-1 runs (medians of 4 interleaved rounds in one process; the
 * benchmark's separate processes gave 0.91× and 1.11× on a noisy machine).
 */
export interface SamplingUNet {
  readonly session: RemoteSession;
  readonly batch: 1 | 2;
}

/** One denoising run for one (η, seed), returning the decoded image. */
export async function sampleOneAsync(pkg: ImagicPackage, net: SamplingUNet, e: Embeddings, eta: number, seed: number, s: SampleSettings, hooks: RunHooks, progress: { done: number; total: number }): Promise<SampledImage> {
  const unet = net.session;
  const scheduler = schedulers[s.sampler](pkg.scheduler);
  scheduler.setTimesteps(s.steps);
  const rng = new Rng(seed);
  const latentDims = pkg.latentDims;
  const z0 = rng.normalArray(numel(latentDims), scheduler.initNoiseSigma);
  const cond = interpolateEmbedding(e, eta);
  const weights = guidanceTerms(s.guidanceScale);
  const sampleInfo = unet.input('sample')!;
  const timestepInfo = unet.input('timestep')!;
  const ehsInfo = unet.input(EMBEDDING_INPUT)!;
  const ehsDims = pkg.unet.inputShapes[EMBEDDING_INPUT]!;
  const late = fades(s.lateAdapters) ? s.lateAdapters : undefined;
  const strengthInfo = late ? (unet.input(ADAPTER_SCALE_INPUT) ?? fail('INTERNAL', `lateAdapters needs a UNet with its adapters in mode 'scaled' (no ${ADAPTER_SCALE_INPUT} input)`)) : undefined;
  const steps = scheduler.timesteps.length;
  const pair = net.batch === 2 && needsPair(s.guidanceScale);
  // The embeddings are the same at every step: sent to the session once (to the GPU on WebGPU), fed by reference.
  const embeddingsOf = (...ehs: Float32Array[]) => floatFeed(ehsInfo, concat(...ehs), [ehs.length, ...ehsDims.slice(1)]);
  const embeddings: Partial<Record<'pair' | 'uncond' | 'cond', HostTensor>> = pair
    ? { pair: embeddingsOf(e.empty, cond) }
    : { ...(weights.uncond !== 0 ? { uncond: embeddingsOf(e.empty) } : {}), ...(weights.cond !== 0 ? { cond: embeddingsOf(cond) } : {}) };
  const uploaded = await unet.uploadAsync(Object.values(embeddings));
  const kept = Object.fromEntries(Object.keys(embeddings).map((k, i) => [k, uploaded[i]!])) as Partial<Record<keyof typeof embeddings, KeptRef>>;
  /** The UNet on `batch` copies of the latent, with the embeddings `ehs` (one per copy). */
  const predict = async (input: Float32Array, t: number, ehs: KeptRef, step: number) => {
    const batch = ehs.dims[0]!;
    const feeds = {
      sample: floatFeed(sampleInfo, concat(...new Array<Float32Array>(batch).fill(input)), [batch, ...latentDims.slice(1)]),
      timestep: timestepFeed(timestepInfo, t, batch),
      [EMBEDDING_INPUT]: ehs,
      ...(strengthInfo ? { [ADAPTER_SCALE_INPUT]: floatFeed(strengthInfo, Float32Array.of(adapterStrength(step, steps, eta, late)), [1]) } : {}),
    };
    return output((await unet.runKeepingAsync(feeds, [])).outputs, UNET_OUTPUT);
  };
  let z = z0;
  try {
    for (let i = 0; i < steps; i++) {
      checkCancelled(hooks.signal, `sampling step ${i + 1}`);
      const t = scheduler.timesteps[i]!;
      const input = scheduler.scaleModelInput(z, i);
      let epsU: Float32Array | undefined;
      let epsC: Float32Array | undefined;
      if (kept.pair) {
        const both = await predict(input, t, kept.pair, i);
        [epsU, epsC] = [both.subarray(0, z.length), both.subarray(z.length)];
      } else {
        // A zero weight skips its UNet run: g = 1 needs only the conditional one, g = 0 only the unconditional.
        epsU = kept.uncond ? await predict(input, t, kept.uncond, i) : undefined;
        epsC = kept.cond ? await predict(input, t, kept.cond, i) : undefined;
      }
      const eps = new Float32Array(z.length);
      for (let k = 0; k < eps.length; k++) eps[k] = weights.uncond * (epsU?.[k] ?? 0) + weights.cond * (epsC?.[k] ?? 0);
      z = scheduler.step(eps, i, z, rng);
      progress.done++;
      hooks.onProgress?.({ stage: 'sample', step: progress.done, total: progress.total });
    }
  } finally {
    await unet.freeAsync(uploaded);
  }
  return { eta, seed, pixels: await decodeLatentAsync(pkg, z) };
}

/** The concatenation of `parts` (a fresh array: feeds are moved into the session's thread). */
function concat(...parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Every (η, seed) pair, seeds outer so that a seed's η sweep comes out together. */
export async function sampleAllAsync(pkg: ImagicPackage, unet: SamplingUNet, e: Embeddings, s: SampleSettings, hooks: RunHooks = {}): Promise<SampledImage[]> {
  const progress = { done: 0, total: s.etas.length * s.seeds.length * s.steps };
  const images: SampledImage[] = [];
  for (const seed of s.seeds) for (const eta of s.etas) images.push(await sampleOneAsync(pkg, unet, e, eta, seed, s, hooks, progress));
  return images;
}
