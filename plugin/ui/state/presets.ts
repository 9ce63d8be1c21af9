// The three presets as EditRequest fields. Step counts, learning rates and sampling are copied from
// companion/src/engine/settings.ts PRESETS (the panel cannot import companion code); tests/plugin/presets.test.ts
// fails when the two disagree. Adapters and the stage-1 rate are left to the companion: adapterRank 0 asks for its
// preset's adapter settings, and an absent embedLr for its rate (companion/src/jobs/request-settings.ts), which the
// model may recommend (imagic_settings.json).
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
  fast: {
    label: 'Fast (preview quality)',
    fineTune: { ...ADAPTERS, adapterTargets: [], embedSteps: 20, tuneSteps: 60 },
    steps: 10,
    sampler: 'ddim',
  },
  community: {
    label: 'Community (diffusers defaults)',
    fineTune: { ...ADAPTERS, adapterTargets: [], embedSteps: 500, tuneSteps: 1000 },
    steps: 50,
    sampler: 'ddim',
  },
  paper: {
    label: 'Paper (slowest, best)',
    fineTune: { ...ADAPTERS, adapterTargets: [], embedSteps: 1000, tuneSteps: 1500 },
    steps: 50,
    sampler: 'ddim',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as Preset[];

/** Live-preview renders while the η slider moves: a fifth of the steps, at least 4, so each one is quick. */
export const previewSteps = (steps: number): number => Math.min(steps, Math.max(4, Math.round(steps / 5)));

/** Stable Diffusion 1.x is trained at 512 px; the companion scales the longer side to this before encoding. */
export const WORKING_RESOLUTION_PX = 512;
