// The presets as the panel uses them: the menu's labels and the sampling it asks for, from the one table the companion
// uses too (shared/src/protocol/presets.ts). Training is left to the companion: no step counts, rates or adapters in
// the request (fineTune is empty), so it trains with the preset's numbers as the model recommends them
// (imagic_settings.json).
import type { FineTuneSettings, Preset, Sampler } from '../../../shared/src/protocol/edit-request.ts';
import { PRESETS as SHARED } from '../../../shared/src/protocol/presets.ts';

export type PresetValues = {
  label: string;
  fineTune: FineTuneSettings;
  steps: number;
  sampler: Sampler;
};

export const PRESET_NAMES = Object.keys(SHARED) as Preset[];

export const PRESETS: Readonly<Record<Preset, PresetValues>> = Object.fromEntries(
  PRESET_NAMES.map((name) => {
    const { label, sample } = SHARED[name];
    return [name, { label, fineTune: {}, steps: sample.steps, sampler: sample.sampler }];
  }),
) as Record<Preset, PresetValues>;

/** Live-preview renders while the η slider moves: a fifth of the steps, at least 4, so each one is quick. */
export const previewSteps = (steps: number): number => Math.min(steps, Math.max(4, Math.round(steps / 5)));

/** Stable Diffusion 1.x is trained at 512 px; the companion scales the longer side to this before encoding. */
export const WORKING_RESOLUTION_PX = 512;
