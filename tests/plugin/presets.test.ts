// The panel's presets are the companion's (both read shared/src/protocol/presets.ts): the panel asks for their
// sampling and leaves training wholly to the companion (an empty fineTune).
import { describe, expect, it } from 'vitest';
import { PRESETS as COMPANION } from '../../companion/src/engine/settings.ts';
import { PRESETS as PANEL } from '../../plugin/ui/state/presets.ts';
import { samplingFor } from '../../plugin/ui/app/context.ts';
import { initialPanelState } from '../../plugin/ui/state/panel-state.ts';
import { EditRequest, type Preset } from '../../shared/src/protocol/edit-request.ts';

describe('panel presets', () => {
  it.each(Object.keys(COMPANION) as Array<keyof typeof COMPANION>)('%s is the companion preset', (name) => {
    const companion = COMPANION[name];
    const panel = PANEL[name];
    // Training is the companion's: step counts, rates and adapters as the model recommends them for the preset.
    expect(panel.fineTune).toEqual({});
    expect({ label: panel.label, steps: panel.steps, sampler: panel.sampler }).toEqual({
      label: companion.label,
      steps: companion.sample.steps,
      sampler: companion.sample.sampler,
    });
    // The guidance scale is left to the companion (the model's recommendation, else the preset's).
    expect(panel).not.toHaveProperty('guidanceScale');
  });

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
