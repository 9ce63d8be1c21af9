// Mode, preset, variations (seeds), the edit-strength slider and the Edit / Cancel buttons. The slider is η for an
// Imagic edit and SDEdit's strength for a quick one (quick.ts); either way it says how far the result departs.
import type { Preset } from '../../../shared/src/protocol/edit-request.ts';
import { ETA_SLIDER } from '../state/etas.ts';
import { PRESET_NAMES, PRESETS } from '../state/presets.ts';
import { STRENGTH_SLIDER } from '../state/quick.ts';
import { editBlocker, isActive, type PanelState } from '../state/panel-state.ts';
import { formatEta } from '../../main/result-name.ts';
import { byId, h } from './dom.ts';
import type { PanelEvents } from './events.ts';

export function controlsView(doc: Document, events: PanelEvents) {
  const mode = byId(doc, 'mode', 'select');
  const modeHelp = byId(doc, 'mode-help', 'p');
  const presetRow = byId(doc, 'preset-row', 'div');
  const etaLabel = byId(doc, 'eta-label', 'label');
  const varyRow = byId(doc, 'vary-eta-row', 'div');
  const preset = byId(doc, 'preset', 'select');
  const seeds = byId(doc, 'seeds', 'input');
  const seedsHelp = byId(doc, 'seeds-help', 'span');
  const eta = byId(doc, 'eta', 'input');
  const etaValue = byId(doc, 'eta-value', 'output');
  const etaHelp = byId(doc, 'eta-help', 'p');
  const vary = byId(doc, 'vary-eta', 'input');
  const autoMask = byId(doc, 'auto-mask', 'input');
  const subjectRow = byId(doc, 'subject-row', 'div');
  const subject = byId(doc, 'subject', 'select');
  let lastAdapters: readonly string[] | null = null;
  const start = byId(doc, 'start', 'button');
  const cancel = byId(doc, 'cancel', 'button');

  for (const name of PRESET_NAMES)
    preset.appendChild(h(doc, 'option', { text: PRESETS[name].label, attrs: { value: name } }));
  let quick = false;
  mode.addEventListener('change', () => events.modeChanged(mode.value === 'quick' ? 'quick' : 'imagic'));
  preset.addEventListener('change', () => events.presetChanged(preset.value as Preset));
  seeds.addEventListener('input', () => events.seedsChanged(seeds.value));
  eta.addEventListener('input', () =>
    quick ? events.strengthInput(Number(eta.value)) : events.etaInput(Number(eta.value)),
  );
  eta.addEventListener('change', () =>
    quick ? events.strengthCommit(Number(eta.value)) : events.etaCommit(Number(eta.value)),
  );
  vary.addEventListener('change', () => events.varyEtaChanged(vary.checked));
  autoMask.addEventListener('change', () => events.autoMaskChanged(autoMask.checked));
  subject.addEventListener('change', () => events.subjectChanged(subject.value === '' ? null : subject.value));
  start.addEventListener('click', () => events.startEdit());
  cancel.addEventListener('click', () => events.cancel());
  doc.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !cancel.hidden) events.cancel();
  });

  return {
    render(state: PanelState): void {
      quick = state.mode === 'quick';
      if (mode.value !== state.mode) mode.value = state.mode;
      modeHelp.hidden = !quick;
      // A quick edit trains nothing, so the training presets do not apply; it samples with the default preset's steps.
      presetRow.hidden = quick;
      varyRow.hidden = quick;
      const slider = quick ? STRENGTH_SLIDER : ETA_SLIDER;
      const value = quick ? state.strength : state.eta;
      for (const [k, v] of [
        ['min', slider.min],
        ['max', slider.max],
        ['step', slider.step],
      ] as const)
        if (eta.getAttribute(k) !== String(v)) eta.setAttribute(k, String(v));
      etaLabel.title = quick
        ? 'How far the quick edit departs: low keeps the layer, 1 draws the prompt alone'
        : 'η in Imagic: 0 keeps the layer, 1 is the text';
      eta.title = quick ? 'strength' : 'η';
      if (preset.value !== state.preset) preset.value = state.preset;
      if (autoMask.checked !== state.autoMask) autoMask.checked = state.autoMask;
      // A subject adapter switches on for an edit in either mode (EditRequest.subject).
      const adapters = state.learned.adapters;
      if (adapters !== lastAdapters) {
        subject.replaceChildren(
          h(doc, 'option', { text: 'None', attrs: { value: '' } }),
          ...adapters.map((a) => h(doc, 'option', { text: a, attrs: { value: a } })),
        );
        lastAdapters = adapters;
      }
      subjectRow.hidden = adapters.length === 0;
      const chosen = state.subject !== null && adapters.includes(state.subject) ? state.subject : '';
      if (subject.value !== chosen) subject.value = chosen;
      if (seeds.value !== state.seedsText) seeds.value = state.seedsText;
      seedsHelp.textContent = state.seeds.ok ? state.seeds.label : state.seeds.message;
      seedsHelp.classList.toggle('error', !state.seeds.ok);
      seeds.setAttribute('aria-invalid', String(!state.seeds.ok));
      if (doc.activeElement !== eta && Number(eta.value) !== value) eta.value = String(value);
      etaValue.textContent = formatEta(value);
      const trained = state.runs.some((r) => r.trained);
      etaHelp.textContent =
        trained || quick
          ? 'Drag to preview (few steps); release to render every variation.'
          : 'Sets the edit strength of the first render; after training, dragging previews live.';
      const blocker = editBlocker(state);
      start.disabled = blocker !== null;
      start.title = blocker ?? '';
      const verb = quick ? 'Quick edit' : 'Edit';
      start.textContent = state.selection.length > 1 ? `${verb} ${state.selection.length} layers` : `${verb} layer`;
      cancel.hidden = !state.runs.some(isActive) && state.busy !== 'exporting';
    },
  };
}
