// Every number that defines the demo model and its training run, in one place: the package README, the trainer,
// the checkpoints (which refuse to resume under a different config) and the evaluation all read it from here.
import { tinyUNetConfig, type UNetConfig } from '../model-builder/unet-config.ts';
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
   * Min-SNR-γ loss weighting (Hang et al. 2023, "Efficient Diffusion Training via Min-SNR Weighting Strategy", eq. 8
   * for ε-prediction): each example's ε-MSE is weighted by min(SNR_t, γ)/SNR_t, which stops the easy, nearly clean
   * timesteps from dominating the gradient; the paper reports 3.4× faster convergence. The model still predicts ε.
   */
  readonly minSnrGamma: number;
  /**
   * A second factor on each example's ε-MSE: min(1/ᾱ_t, cap). 1/ᾱ_t is the weight a v-prediction loss puts on ε-MSE
   * (‖v − v̂‖² = ‖ε − ε̂‖²/ᾱ_t; Salimans & Ho 2022, §4): it lifts the noisy timesteps, where layout and shape are decided
   * from the caption alone, which plain ε-MSE nearly ignores (a first run without it learnt colours and backgrounds
   * but drew every shape as the same blob). The cap keeps the last timesteps (1/ᾱ_T ≈ 200) from drowning the rest.
   */
  readonly noisyWeightCap: number;
  /**
   * Offset noise (N. Guttenberg, "Diffusion with Offset Noise", 2023): each example's noise gets a constant N(0, σ²) added
   * per channel. SD's schedule ends at ᾱ_T ≈ 0.005, not 0, so a noised latent still betrays its image's mean colour
   * (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps are Flawed"); a model trained without the
   * offset reads the background from that leak instead of the caption, and samples from pure noise come out grey.
   * The engine refuses zero-terminal-SNR schedules, so the leak is masked in training instead; sampling is unchanged.
   */
  readonly offsetNoise: number;
  /** Data and noise seed (the weights' initial values come from the model seeds). */
  readonly seed: number;
}

export interface DemoConfig {
  /** Side of the data set's images in pixels. */
  readonly sceneSize: number;
  readonly text: TextEncoderConfig;
  readonly unet: UNetConfig;
  readonly train: DemoTrainConfig;
}

/**
 * The engine derives the working canvas from the UNet as latent side × 8 (SD's VAE factor, package-loader.ts), so a
 * 32×32 latent makes a 256-pixel canvas, which the pixel-space VAE (pixel-vae.ts) averages back to the 32×32 scene.
 */
export const VAE_FACTOR = 8;
export const LATENT_CHANNELS = 4;

export const DEMO_CONFIG: DemoConfig = {
  sceneSize: SCENE_SIZE,
  text: { sequenceLength: 16, hidden: 64, heads: 2, layers: 1, seed: 11 },
  unet: tinyUNetConfig({
    blockOutChannels: [32, 64],
    layersPerBlock: 1,
    attentionHeads: 2,
    crossAttentionDim: 64,
    sequenceLength: 16,
    latentSize: SCENE_SIZE,
    inChannels: LATENT_CHANNELS,
    outChannels: LATENT_CHANNELS,
    normGroups: 8,
    seed: 7,
  }),
  train: { batch: 8, steps: 2400, lr: 2e-3, warmupSteps: 100, finalLrFraction: 0.05, clipNorm: 1, emaDecay: 0.995, captionDropout: 0.1, minSnrGamma: 5, noisyWeightCap: 10, offsetNoise: 0.25, seed: 5 },
};

/** The working canvas the engine will use for the demo package. */
export const workingSize = (c: DemoConfig): number => c.unet.latentSize * VAE_FACTOR;
