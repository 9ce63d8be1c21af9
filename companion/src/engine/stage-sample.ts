// Stage 3 (docs/method.md §2.3; paper §3, "Text embedding interpolation" and "Generation"): for each η,
//   ē = η·e_tgt + (1 − η)·e_opt                                   (paper eq. 3)
// then sample with the fine-tuned UNet f_θ̂ from z_T = σ_init·N(0, I) (a seeded Rng per output), with
// classifier-free guidance (Ho & Salimans 2022) against the empty prompt's embedding e_∅:
//   ε̂ = ε_θ̂(z_t, t, e_∅) + g·(ε_θ̂(z_t, t, ē) − ε_θ̂(z_t, t, e_∅))
// stepping with the chosen scheduler, and decode D(z0/scale). η = 0 conditions on e_opt alone, which stage 2
// taught the model to reconstruct the input from. With `lateAdapters`, the UNet is the 'scaled' one and each step
// feeds the adapters' strength (late-adapters.ts).
import { ADAPTER_SCALE_INPUT } from '../autodiff/adapters.ts';
import { schedulers } from '../diffusion/schedulers/samplers.ts';
import { fail } from '../errors.ts';
import { numel } from '../graph/tensor.ts';
import { Rng } from '../util/rng.ts';
import type { ImagicPackage } from './package-loader.ts';
import { adapterStrength, fades } from './late-adapters.ts';
import { checkCancelled, type RunHooks } from './progress.ts';
import type { SampleSettings } from './settings.ts';
import { decodeLatentAsync } from './stage-encode.ts';
import {
  guidanceTerms,
  LATENT_INPUT,
  needsPair,
  PREVIOUS_X0_INPUT,
  SAMPLING_CARRIED,
  STEP_INPUT,
  STEP_SCALARS,
  stepScalars,
  type Predictions,
} from './denoising-step.ts';
import { floatFeed, timestepFeed, toFloat32 } from './tensors.ts';
import { EMBEDDING_INPUT } from './unet-graphs.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import type { KeptRef } from '../runtime/worker/rpc.ts';
import type { RemoteSession } from '../runtime/worker/session-host.ts';

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
  /** The loop's traffic: bytes between the host and the session per step (host↔device on a GPU provider), and whether the latent stayed on the GPU. */
  readonly loop: { readonly hostBytesPerStep: number; readonly onDevice: boolean };
}

/** ē = η·e_tgt + (1 − η)·e_opt (paper eq. 3). */
export function interpolateEmbedding(e: Embeddings, eta: number): Float32Array {
  return Float32Array.from(e.target, (t, i) => eta * t + (1 - eta) * e.optimized[i]!);
}

/** The sampling step's session (unet-graphs.ts, samplingSessionAsync) and how it predicts ε̂. */
export interface SamplingUNet {
  readonly session: RemoteSession;
  readonly predictions: Predictions;
}

/**
 * One denoising run for one (η, seed), returning the decoded image. The latent and the last x0 stay in the session
 * (on the GPU for WebGPU) from z_T to z_0: they go up once, every step feeds the scalars of its update (the
 * scheduler's linearStep) and its timestep, and z_0 comes back once for the decoder.
 */
export async function sampleOneAsync(
  pkg: ImagicPackage,
  net: SamplingUNet,
  e: Embeddings,
  eta: number,
  seed: number,
  s: SampleSettings,
  hooks: RunHooks,
  progress: { done: number; total: number },
  from?: SampleFrom,
  keep?: SampleKeep,
): Promise<SampledImage> {
  const { session, predictions } = net;
  const scheduler = schedulers[s.sampler](pkg.scheduler);
  scheduler.setTimesteps(s.steps);
  const rng = new Rng(seed);
  const latentDims = pkg.latentDims;
  // From noise (σ_init·N(0, I)), or from the input's latent noised to the first step run (SDEdit).
  const first = from?.step ?? 0;
  const startNoise = from ? rng.normalArray(numel(latentDims)) : undefined;
  const drawn = from
    ? scheduler.noisedSample(from.latent, startNoise!, first)
    : rng.normalArray(numel(latentDims), scheduler.initNoiseSigma);
  // Outside a region the input's own latent at each level (DiffEdit's encoded input), from one noise draw for the
  // whole run: an img2img start's own, else a draw after z_T's (so a run without a region draws as before).
  const kept = keep && {
    ...keep,
    noise: startNoise ?? rng.normalArray(numel(latentDims)),
    channel: numel(latentDims.slice(2)),
  };
  /** The latent with its kept cells at step `i`'s level (the input itself after the last step). */
  const withKept = (z: Float32Array, i: number): Float32Array => {
    if (!kept) return z;
    const known = i < scheduler.timesteps.length ? scheduler.noisedSample(kept.latent, kept.noise, i) : kept.latent;
    return Float32Array.from(z, (v, j) => {
      const m = kept.mask[j % kept.channel]!;
      return m * v + (1 - m) * known[j]!;
    });
  };
  const z0 = withKept(drawn, first);
  const cond = interpolateEmbedding(e, eta);
  const weights = guidanceTerms(s.guidanceScale);
  if (predictions === 'single' && needsPair(s.guidanceScale))
    fail('INTERNAL', `guidance ${s.guidanceScale} needs both predictions; the step makes one`);
  const late = fades(s.lateAdapters) ? s.lateAdapters : undefined;
  const strengthInfo = late
    ? (session.input(ADAPTER_SCALE_INPUT) ??
      fail(
        'INTERNAL',
        `lateAdapters needs a UNet with its adapters in mode 'scaled' (no ${ADAPTER_SCALE_INPUT} input)`,
      ))
    : undefined;
  const timestepInfo = session.input('timestep')!;
  const ehsDims = pkg.unet.inputShapes[EMBEDDING_INPUT]!;
  // A single prediction is the unconditional one at g = 0, the conditional one at g = 1.
  const ehs = predictions === 'single' ? [weights.cond !== 0 ? cond : e.empty] : [e.empty, cond];
  const steps = scheduler.timesteps.length;
  const latentFeed = (values: Float32Array): HostTensor => ({ dtype: 'float32', dims: latentDims, data: values });
  // The embeddings, z_T and a zero "previous x0" go up once and are fed by reference.
  const [embeddings, ...start] = await session.uploadAsync([
    floatFeed(session.input(EMBEDDING_INPUT)!, concat(...ehs), [ehs.length, ...ehsDims.slice(1)]),
    latentFeed(z0),
    latentFeed(new Float32Array(z0.length)),
  ]);
  let carried: Record<string, KeptRef> = { [LATENT_INPUT]: start[0]!, [PREVIOUS_X0_INPUT]: start[1]! };
  const loop = { hostBytesPerStep: 0, onDevice: false };
  try {
    for (let i = first; i < steps; i++) {
      checkCancelled(hooks.signal, `sampling step ${i + 1}`);
      const update =
        scheduler.linearStep(i, i === first) ??
        fail('INTERNAL', `the ${s.sampler} sampler's step is not linear in this configuration`);
      const feeds = {
        ...carried,
        [EMBEDDING_INPUT]: embeddings!,
        [STEP_INPUT]: { dtype: 'float32', dims: [STEP_SCALARS], data: stepScalars(update, weights) } as HostTensor,
        timestep: timestepFeed(timestepInfo, scheduler.timesteps[i]!, predictions === 'pair' ? 2 : 1),
        ...(strengthInfo
          ? {
              [ADAPTER_SCALE_INPUT]: floatFeed(
                strengthInfo,
                Float32Array.of(adapterStrength(i, steps, eta, late)),
                [1],
              ),
            }
          : {}),
      };
      const result = await session.runKeepingAsync(feeds, [...SAMPLING_CARRIED.keys()]);
      await session.freeAsync(Object.values(carried));
      carried = Object.fromEntries(
        [...SAMPLING_CARRIED].map(([out, input]) => [
          input,
          result.kept[out] ?? fail('INTERNAL', `the sampling step kept no '${out}'`),
        ]),
      );
      if (kept) {
        // The region's blend runs on the host: the latent comes down and goes up once per step.
        const [z] = await session.downloadAsync([carried[LATENT_INPUT]!]);
        const [blended] = await session.uploadAsync([latentFeed(withKept(toFloat32(z!), i + 1))]);
        await session.freeAsync([carried[LATENT_INPUT]!]);
        carried[LATENT_INPUT] = blended!;
      }
      loop.hostBytesPerStep = result.hostBytes + (kept ? 2 * z0.byteLength : 0);
      loop.onDevice = Object.values(carried).every((k) => k.onDevice);
      progress.done++;
      hooks.onProgress?.({ stage: 'sample', step: progress.done, total: progress.total });
    }
    const [z] = await session.downloadAsync([carried[LATENT_INPUT]!]);
    return { eta, seed, pixels: await decodeLatentAsync(pkg, toFloat32(z!)), loop };
  } finally {
    await session.freeAsync([embeddings!, ...Object.values(carried)]);
  }
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
export async function sampleAllAsync(
  pkg: ImagicPackage,
  unet: SamplingUNet,
  e: Embeddings,
  s: SampleSettings,
  hooks: RunHooks = {},
  from?: SampleFrom,
  keep?: SampleKeep,
): Promise<SampledImage[]> {
  const progress = { done: 0, total: s.etas.length * s.seeds.length * (s.steps - (from?.step ?? 0)) };
  const images: SampledImage[] = [];
  for (const seed of s.seeds)
    for (const eta of s.etas)
      images.push(await sampleOneAsync(pkg, unet, e, eta, seed, s, hooks, progress, from, keep));
  return images;
}

/** What a run keeps of the input (edit-region.ts): its latent, and the latent-grid mask ([h·w], 1 = may change). */
export interface SampleKeep {
  readonly latent: Float32Array;
  readonly mask: Float32Array;
}

/** Where an img2img run starts: the input's latent, noised to the level of step `step` (SDEdit, quick-edit.ts). */
export interface SampleFrom {
  readonly latent: Float32Array;
  readonly step: number;
}
