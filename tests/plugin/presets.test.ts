// The panel's preset table copies the companion's sampling (the UI bundle cannot import companion code): they must
// agree. Training settings are the companion's own (no step counts, adapterRank 0).
import { describe, expect, it } from 'vitest';
import { PRESETS as COMPANION } from '../../companion/src/engine/settings.ts';
import { PRESETS as PANEL } from '../../plugin/ui/state/presets.ts';
import { samplingFor } from '../../plugin/ui/app/context.ts';
import { initialPanelState } from '../../plugin/ui/state/panel-state.ts';
import { EditRequest, type Preset } from '../../shared/src/protocol/edit-request.ts';

describe('panel presets', () => {
  it.each(Object.keys(COMPANION) as Array<keyof typeof COMPANION>)(
    '%s matches companion/src/engine/settings.ts',
    (name) => {
      const companion = COMPANION[name];
      const panel = PANEL[name];
      expect(panel.fineTune).toMatchObject({ adapterRank: 0, adapterTargets: [] });
      // Step counts and the stage-1 rate are left to the companion (the model's recommendation for the preset, else
      // the preset's).
      for (const field of ['embedSteps', 'tuneSteps', 'embedLr']) expect(panel.fineTune).not.toHaveProperty(field);
      expect({ steps: panel.steps, sampler: panel.sampler }).toEqual({
        steps: companion.sample.steps,
        sampler: companion.sample.sampler,
      });
      // The guidance scale is left to the companion (the model's recommendation, else the preset's).
      expect(panel).not.toHaveProperty('guidanceScale');
    },
  );

  it('builds requests the protocol accepts', () => {
    for (const [name, preset] of Object.entries(PANEL)) {
      const request = {
        image: { frameId: '0'.repeat(32), sha256: '0'.repeat(64), width: 96, height: 64 },
        prompt: 'make the dog sit',
        preset: name,
        fineTune: preset.fineTune,
        sampling: {
          etas: [0.6, 0.7, 0.8],
          seeds: Array.from({ length: 16 }, (_, i) => i),
          steps: preset.steps,
          sampler: preset.sampler,
        },
        workingResolutionPx: 512,
      };
      expect(EditRequest.safeParse(request).success).toBe(true);
    }
  });

  it("leaves the guidance scale out of every request's sampling (the companion uses the model's recommended one)", () => {
    for (const preset of Object.keys(PANEL) as Preset[]) {
      for (const grid of [true, false])
        expect(samplingFor({ ...initialPanelState(), preset }, [1, 2], 0.7, { grid })).not.toHaveProperty(
          'guidanceScale',
        );
    }
  });
});
