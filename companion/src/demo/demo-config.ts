// Every number that defines the demo model and its training run, in one place: the package README, the trainer,
// the checkpoints (which refuse to resume under a different config) and the evaluation all read it from here.
import type { PredictionType } from '../diffusion/schedulers/scheduler-config.ts';
import { tinyUNetConfig, type UNetConfig } from '../model-builder/unet-config.ts';
import { pixelVaeChannels, VAE_FACTOR } from './pixel-vae.ts';
import { SCENE_SIZE } from './scene.ts';

export interface TextEncoderConfig {
  /** Tokens per prompt, start and end tokens included (the demo captions need 9). */
  readonly sequenceLength: number;
  /** Width d of the embeddings = the UNet's cross-attention dim. */
  readonly hidden: number;
  readonly heads: number;
  readonly layers: number;
  readonly seed: number;
}

export interface DemoTrainConfig {
  /** Examples per optimiser step. */
  readonly batch: number;
  readonly steps: number;
  /** Adam's peak step size, reached after `warmupSteps` and decayed to `finalLrFraction`·peak along a cosine. */
  readonly lr: number;
  readonly warmupSteps: number;
  readonly finalLrFraction: number;
  /** Global gradient-norm clip. */
  readonly clipNorm: number;
  /** Decay of the exponential moving average of the weights that the package ships. */
  readonly emaDecay: number;
  /** Fraction of captions replaced by the empty prompt, so classifier-free guidance has an unconditional model. */
  readonly captionDropout: number;
  /**
   * The v-prediction loss ‖v − v̂‖² (v = sqrt(ᾱ_t)·ε − sqrt(1 − ᾱ_t)·z0; Salimans & Ho 2022, "Progressive Distillation",
   * §4), weighted by min(1, γ/SNR_t): the Min-SNR-γ cap (Hang et al. 2023) on the nearly clean timesteps only. In terms
   * of the clean latent's error this weights every timestep by about 1 + min(SNR_t, γ), where plain ε-MSE weights it
   * by SNR_t ≈ 0.005 at the noisy end. Measured on this model: ε-prediction (with Min-SNR) learnt colours and
   * backgrounds but drew every shape as the same blob, and Imagic's stage 2, whose loss is the package's own, could not
   * memorise the input's layout at the noisy timesteps, where DDIM decides it (η = 0 PSNR ≈ 12 dB after 1500 steps).
   */
  readonly minSnrGamma: number;
  /**
   * Offset noise (N. Guttenberg, "Diffusion with Offset Noise", 2023): each example's noise gets a constant N(0, σ²) added
   * per channel. SD's schedule ends at ᾱ_T ≈ 0.005, not 0, so a noised latent still betrays its image's mean colour
   * (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps are Flawed"); a model trained without the
   * offset reads the background from that leak instead of the caption, and samples from pure noise come out grey.
   * The engine refuses zero-terminal-SNR schedules, so the leak is masked in training instead; sampling is unchanged.
   */
  readonly offsetNoise: number;
  /**
   * Weight of the latent cells on and around the shape (its coverage, dilated by one cell) against the background's
   * 1, normalised to a mean of 1 per example; absent or 1: every cell alike. A circle and a square of one area differ
   * in ~20% of the shape's pixels and a whole scene is ~80% background, so an unweighted loss spends little on the
   * shape. Measured (same config and seed, 5000 steps each): without it a shape swap moved the UNet's output by
   * 0.06–0.17 (relative, t = 100…900) and the text embedding by 0.26 of its norm, and no Imagic shape edit ever
   * succeeded; at 4, 0.09–0.20 and 0.33, and the first shape edits appeared (models/demo/README.md).
   */
  readonly objectWeight?: number;
  /** Data and noise seed (the weights' initial values come from the model seeds). */
  readonly seed: number;
}

export interface DemoConfig {
  /** Side of the data set's images in pixels. */
  readonly sceneSize: number;
  /** What the UNet predicts; written to the package's scheduler config (`prediction_type`), as SD 2.x packages do. */
  readonly predictionType: PredictionType;
  readonly text: TextEncoderConfig;
  readonly unet: UNetConfig;
  readonly train: DemoTrainConfig;
}

/**
 * The UNet works on 16×16 latents of 2×2 patches of the 32×32 scenes (12 channels, pixel-vae.ts): the engine's canvas
 * is latent × 8 = 128 pixels, which the pixel-space VAE averages back to the scene. Measured (`npm run bench -- demo`,
 * 2 threads): a 32×32 latent of 4 channels took 654 ms per step of 8 examples, this one 613 ms per step of 32.
 */
const GEOMETRY = { sceneSize: SCENE_SIZE, latentSize: SCENE_SIZE / 2 };

// Heads and layers: with one 2-head text layer and 2-head attention, the trained encoder carried colour and background
// into every later token (a colour swap moved the padding tokens' states by ~5.5) but not the shape (~0.01), and the
// UNet's output moved 0.2–0.5 (relative) for a colour swap against 0.002–0.006 for a shape swap, falling from step 1000
// to 2000 (eval-sensitivity.ts; one scene). With four heads and a second text layer (no measurable cost per step) the
// shape swap's effect rose from ~0.006 at step 1150 to 0.07–0.10 at the noisy timesteps by step 3350 (eight scenes),
// and generated shapes went from chance to 58% right. Not an A/B at equal steps: the 2-head runs were stopped earlier.
const LATENT_CHANNELS = pixelVaeChannels(GEOMETRY);

export const DEMO_CONFIG: DemoConfig = {
  sceneSize: GEOMETRY.sceneSize,
  predictionType: 'v_prediction',
  text: { sequenceLength: 16, hidden: 64, heads: 4, layers: 2, seed: 11 },
  unet: tinyUNetConfig({
    blockOutChannels: [32, 64, 64, 64],
    layersPerBlock: 1,
    attentionHeads: 4,
    crossAttentionDim: 64,
    sequenceLength: 16,
    latentSize: GEOMETRY.latentSize,
    inChannels: LATENT_CHANNELS,
    outChannels: LATENT_CHANNELS,
    normGroups: 8,
    additionEmbedType: 'text',
    additionEmbedHeads: 4,
    seed: 7,
  }),
  train: {
    batch: 32,
    steps: 5000,
    lr: 2e-3,
    warmupSteps: 100,
    finalLrFraction: 0.05,
    clipNorm: 1,
    emaDecay: 0.995,
    captionDropout: 0.1,
    minSnrGamma: 5,
    offsetNoise: 0.25,
    seed: 5,
    objectWeight: 4,
  },
};

/** The working canvas the engine will use for the demo package. */
export const workingSize = (c: DemoConfig): number => c.unet.latentSize * VAE_FACTOR;
