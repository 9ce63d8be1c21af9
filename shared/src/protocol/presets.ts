// The presets, once, for the companion (its engine settings, the CLI's --preset) and the panel (its preset menu and
// the sampling it asks for). A model may override any number for itself (imagic_settings.json `presets`,
// companion/src/engine/package-settings.ts); what the numbers are and where they come from: docs/method.md §4.2.
import type { AdapterTarget, Preset, Sampler } from './edit-request.ts';

/** Stage 1's and stage 2's learning-rate schedules (companion/src/engine/lr-schedule.ts has their shapes). */
export const LR_SCHEDULES = ['constant', 'cosine', 'warmup-cosine'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** Stages 1–2's numbers. */
export interface PresetTrain {
  /** Stage 1: Adam steps and learning rate on the text embedding. */
  readonly embedSteps: number;
  readonly embedLr: number;
  /** Stage 1's learning-rate schedule; constant when absent, as the paper's. */
  readonly embedLrSchedule?: LrSchedule;
  /** Stage 2: Adam steps and learning rate on the adapters. */
  readonly tuneSteps: number;
  readonly tuneLr: number;
  /** Stage 2's learning-rate schedule; constant when absent, as the paper's. */
  readonly tuneLrSchedule?: LrSchedule;
  readonly adapterRank: number;
  /** LoRA's alpha: the update is scaled by alpha / rank. */
  readonly adapterAlpha: number;
  readonly adapterTargets: readonly AdapterTarget[];
  /**
   * Both stages draw their training timestep t from [0, trainStrength·T) instead of [0, T): the noise levels a
   * render that starts from the layer at that strength visits (SampleSettings.strength). 1 when absent.
   */
  readonly trainStrength?: number;
}

export interface PresetSample {
  readonly steps: number;
  readonly guidanceScale: number;
  /** The sampler's timestep grid; with `inversion`, DDPM's steps run on it. */
  readonly sampler: Sampler;
  /**
   * Sample from the layer's edit-friendly DDPM inversion (its noise maps under e_opt; companion's
   * engine/stage-inversion.ts) rather than from fresh noise: η = 0 retraces the layer exactly.
   */
  readonly inversion?: boolean;
}

export interface PresetRow {
  /** What the panel's menu says. */
  readonly label: string;
  readonly train: PresetTrain;
  readonly sample: PresetSample;
}

/**
 * Adapter defaults, from `npm run bench -- imagic --sweep` on the tiny package (300 stage-2 steps from the same
 * (t, ε) draws; loss = mean of the last 30 steps, the first 30 at ~1.0–1.2):
 *   targets \ (lr, rank)       1e-3,4  1e-3,8  3e-3,4  3e-3,8  1e-2,4  1e-2,8  3e-2,8
 *   attention (q, k, v, out)    0.86    0.79    0.73    0.70    0.70    0.74    1.01
 *   + every conv (LoCon)        0.40    0.30    0.22    0.19    0.19    0.17    1.00
 *   + feed-forward              0.42    0.30    0.23    0.18    0.20    0.18    1.02
 * The convs matter most (attention-only adapters cannot reach the spatial detail a reconstruction needs); the
 * feed-forward adds nothing measurable, so it is left out (fewer parameters to save per edit). Rank 8 beats rank 4
 * at every rate. 3e-3 rather than 1e-2: 1e-2 is only ~10% lower after 300 steps while 3e-2 already diverges, so
 * 3e-3 keeps a 10× margin below the unstable rate over the presets' 1000+ steps. (LoRA rates are ~1000× the
 * paper's full fine-tuning rate of 5e-7: the update only moves the low-rank product.)
 */
export const ADAPTER_DEFAULTS = {
  adapterRank: 8,
  adapterAlpha: 8,
  tuneLr: 3e-3,
  adapterTargets: ['to_q', 'to_k', 'to_v', 'to_out', 'conv'],
} as const satisfies Partial<PresetTrain>;

export const PRESETS: Readonly<Record<Preset, PresetRow>> = {
  /**
   * The default: a tenth of the community preset's UNet work (4600 → 460 forward-pass equivalents for one output,
   * companion/src/engine/cost.ts): 40 stage-1 steps and 100 stage-2 steps, both annealed, then 10 DDPM steps from the
   * layer's edit-friendly inversion, whose noise maps hold the layout that community's 1000 stage-2 steps teach the
   * adapters. On the demo model, with its own rates, it edits as well as community on all 16 evaluation scenes (83%)
   * and retraces the layer at η = 0 (42 dB against 30.8; models/demo/README.md, "The standard preset"). For SD the
   * rates are FastEdit's scale of LoRA training; not measured on SD.
   */
  standard: {
    label: 'Standard (~10% of the work)',
    train: {
      ...ADAPTER_DEFAULTS,
      embedSteps: 40,
      embedLr: 1e-2,
      embedLrSchedule: 'cosine',
      tuneSteps: 100,
      tuneLr: 5e-3,
      tuneLrSchedule: 'cosine',
    },
    sample: { steps: 10, guidanceScale: 7.5, sampler: 'ddim', inversion: true },
  },
  /**
   * About 40% of the community preset's UNet work (companion/src/engine/cost.ts): a twelfth of its stage-1 steps at
   * ten times the rate and half its stage-2 steps at twice the rate, both annealed (cosine), and 20 sampling steps.
   * On the demo model, which recommends its own numbers for it, it edits a little worse than community
   * (models/demo/README.md, "The quick preset"), and samples from fresh noise. For SD these rows carry the same trade over, with DPM++ 2M Karras for 20 good
   * sampling steps; not measured on SD.
   */
  quick: {
    label: 'Quick (~40% of the work, a little less faithful)',
    train: {
      ...ADAPTER_DEFAULTS,
      embedSteps: 40,
      embedLr: 1e-2,
      embedLrSchedule: 'cosine',
      tuneSteps: 550,
      tuneLr: 6e-3,
      tuneLrSchedule: 'cosine',
    },
    sample: { steps: 20, guidanceScale: 7.5, sampler: 'dpmpp2m-karras' },
  },
  /** Previews and CI: a handful of steps per stage; the result is only roughly the edit. */
  fast: {
    label: 'Fast (preview quality)',
    train: { ...ADAPTER_DEFAULTS, embedSteps: 20, embedLr: 1e-3, tuneSteps: 60 },
    sample: { steps: 10, guidanceScale: 3, sampler: 'ddim' },
  },
  /** The diffusers community pipeline's numbers (docs/method.md §3.2). */
  community: {
    label: 'Community (diffusers defaults)',
    train: { ...ADAPTER_DEFAULTS, embedSteps: 500, embedLr: 1e-3, tuneSteps: 1000 },
    sample: { steps: 50, guidanceScale: 7.5, sampler: 'ddim' },
  },
  /** The paper's Stable Diffusion numbers. */
  paper: {
    label: 'Paper (slowest, best)',
    train: { ...ADAPTER_DEFAULTS, embedSteps: 1000, embedLr: 2e-3, tuneSteps: 1500 },
    sample: { steps: 50, guidanceScale: 7.5, sampler: 'ddim' },
  },
};

/** What an edit runs with when no preset is named: the CLI's, the panel's and the demo evaluation's. */
export const DEFAULT_PRESET: Preset = 'standard';
