// Preset, variations (seeds), the edit-strength (η) slider and the Edit / Cancel buttons.
import type { Preset } from '../../../shared/src/protocol/edit-request.ts';
import { PRESET_NAMES, PRESETS } from '../state/presets.ts';
import { editBlocker, isActive, type PanelState } from '../state/panel-state.ts';
import { formatEta } from '../../main/result-name.ts';
import { byId, h } from './dom.ts';
import type { PanelEvents } from './events.ts';

export function controlsView(doc: Document, events: PanelEvents) {
  const preset = byId(doc, 'preset', 'select');
  const seeds = byId(doc, 'seeds', 'input');
  const seedsHelp = byId(doc, 'seeds-help', 'span');
  const eta = byId(doc, 'eta', 'input');
  const etaValue = byId(doc, 'eta-value', 'output');
  const etaHelp = byId(doc, 'eta-help', 'p');
  const vary = byId(doc, 'vary-eta', 'input');
  const start = byId(doc, 'start', 'button');
  const cancel = byId(doc, 'cancel', 'button');

  for (const name of PRESET_NAMES)
    preset.appendChild(h(doc, 'option', { text: PRESETS[name].label, attrs: { value: name } }));
  preset.addEventListener('change', () => events.presetChanged(preset.value as Preset));
  seeds.addEventListener('input', () => events.seedsChanged(seeds.value));
  eta.addEventListener('input', () => events.etaInput(Number(eta.value)));
  eta.addEventListener('change', () => events.etaCommit(Number(eta.value)));
  vary.addEventListener('change', () => events.varyEtaChanged(vary.checked));
  start.addEventListener('click', () => events.startEdit());
  cancel.addEventListener('click', () => events.cancel());
  doc.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !cancel.hidden) events.cancel();
  });

  return {
    render(state: PanelState): void {
      if (preset.value !== state.preset) preset.value = state.preset;
      if (seeds.value !== state.seedsText) seeds.value = state.seedsText;
      seedsHelp.textContent = state.seeds.ok ? state.seeds.label : state.seeds.message;
      seedsHelp.classList.toggle('error', !state.seeds.ok);
      seeds.setAttribute('aria-invalid', String(!state.seeds.ok));
      if (doc.activeElement !== eta && Number(eta.value) !== state.eta) eta.value = String(state.eta);
      etaValue.textContent = formatEta(state.eta);
      const trained = state.runs.some((r) => r.trained);
      etaHelp.textContent = trained
        ? 'Drag to preview (few steps); release to render every variation.'
        : 'Sets the edit strength of the first render; after training, dragging previews live.';
      const blocker = editBlocker(state);
      start.disabled = blocker !== null;
      start.title = blocker ?? '';
      start.textContent = state.selection.length > 1 ? `Edit ${state.selection.length} layers` : 'Edit layer';
      cancel.hidden = !state.runs.some(isActive) && state.busy !== 'exporting';
    },
  };
}
