// Quick edits (SDEdit; EditRequest.mode 'quick'): the strength slider, and the request each render sends. A quick
// edit trains nothing, so moving the slider re-runs the whole edit: previews with few steps while it moves, the full
// grid of seeds when it is released, as the η slider re-renders an Imagic edit.
import type { EditRequest } from '../../../shared/src/protocol/edit-request.ts';
import { subjectField } from './learn.ts';
import type { PanelState } from './panel-state.ts';
import { PRESETS, WORKING_RESOLUTION_PX } from './presets.ts';

/**
 * The companion accepts (0, 1] (EditRequest.strength); 1 draws from the prompt alone. Starts at the companion's
 * default strength (DEFAULT_STRENGTH in companion/src/engine/quick-edit.ts; the UI bundle cannot import it).
 */
export const STRENGTH_SLIDER = { min: 0.05, max: 1, step: 0.05, initial: 0.6 } as const;

/** Where the slider starts for a model that recommends a strength (status's model.recommendedStrength); null: keep it. */
export function sliderStrengthFor(recommended: number | undefined): number | null {
  if (recommended === undefined || !Number.isFinite(recommended)) return null;
  const inRange = Math.min(STRENGTH_SLIDER.max, Math.max(STRENGTH_SLIDER.min, recommended));
  return Math.round(Math.round(inRange / STRENGTH_SLIDER.step) * STRENGTH_SLIDER.step * 100) / 100;
}

/** A quick edit of the run's layer at `strength`: one seed and `steps` for a preview, every seed for the grid. */
export function quickRequest(
  state: Pick<PanelState, 'preset' | 'companion' | 'subject' | 'learned'>,
  prompt: string,
  seeds: readonly number[],
  strength: number,
  options: { grid: boolean; steps?: number },
): Omit<EditRequest, 'image' | 'outputFormat'> {
  const preset = PRESETS[state.preset];
  return {
    prompt,
    preset: state.preset,
    mode: 'quick',
    strength,
    fineTune: {},
    sampling: {
      etas: [1],
      seeds: options.grid ? [...seeds] : seeds.slice(0, 1),
      steps: options.steps ?? preset.steps,
      sampler: preset.sampler,
    },
    workingResolutionPx: WORKING_RESOLUTION_PX,
    ...(state.companion?.modelId ? { model: state.companion.modelId } : {}),
    ...subjectField(state),
  };
}
