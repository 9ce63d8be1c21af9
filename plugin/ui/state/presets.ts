// The presets as EditRequest fields. Sampling steps and sampler are copied from companion/src/engine/settings.ts
// PRESETS (the panel cannot import companion code); tests/plugin/presets.test.ts fails when the two disagree. Training
// is left to the companion: no step counts and no stage-1 rate (the preset's as the model recommends them,
// imagic_settings.json), and adapterRank 0 for its adapters (companion/src/engine-host/request-settings.ts).
import type { FineTuneSettings, Preset, Sampler } from '../../../shared/src/protocol/edit-request.ts';

export type PresetValues = {
  label: string;
  fineTune: FineTuneSettings;
  steps: number;
  sampler: Sampler;
};

/** rank 0: "the companion's adapters"; tuneLr is then the companion's too (2e-6 is the protocol's whole-UNet rate). */
const ADAPTERS = { adapterRank: 0, tuneLr: 2e-6 } as const;

export const PRESETS: Readonly<Record<Preset, PresetValues>> = {
  quick: {
    label: 'Quick (~40% of the work, a little less faithful)',
    fineTune: { ...ADAPTERS, adapterTargets: [] },
    steps: 20,
    sampler: 'dpmpp2m-karras',
  },
  fast: {
    label: 'Fast (preview quality)',
    fineTune: { ...ADAPTERS, adapterTargets: [] },
    steps: 10,
    sampler: 'ddim',
  },
  community: {
    label: 'Community (diffusers defaults)',
    fineTune: { ...ADAPTERS, adapterTargets: [] },
    steps: 50,
    sampler: 'ddim',
  },
  paper: {
    label: 'Paper (slowest, best)',
    fineTune: { ...ADAPTERS, adapterTargets: [] },
    steps: 50,
    sampler: 'ddim',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as Preset[];

/** Live-preview renders while the η slider moves: a fifth of the steps, at least 4, so each one is quick. */
export const previewSteps = (steps: number): number => Math.min(steps, Math.max(4, Math.round(steps / 5)));

/** Stable Diffusion 1.x is trained at 512 px; the companion scales the longer side to this before encoding. */
export const WORKING_RESOLUTION_PX = 512;
