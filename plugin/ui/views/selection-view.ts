// What is selected, and the saved edits of the selected layers (reopen, delete).
import type { PanelState, SavedEditView } from '../state/panel-state.ts';
import { byId, h, replaceChildren } from './dom.ts';
import type { PanelEvents } from './events.ts';

const STATE_TEXT: Record<SavedEditView['state'], string> = {
  ready: 'ready',
  training: 'training',
  failed: 'failed',
  missing: 'not on this companion',
  unknown: '',
};

export function selectionView(doc: Document, events: PanelEvents) {
  const text = byId(doc, 'selection-text', 'p');
  const saved = byId(doc, 'saved-edits', 'div');
  const list = byId(doc, 'saved-list', 'ul');
  let last: SavedEditView[] | null = null;

  const row = (edit: SavedEditView): HTMLLIElement => {
    const label = `${edit.prompt}${STATE_TEXT[edit.state] === '' ? '' : ` (${STATE_TEXT[edit.state]})`}`;
    const reopen = h(doc, 'button', {
      className: 'link',
      text: 'Reopen',
      attrs: { type: 'button', 'aria-label': `Reopen “${edit.prompt}”` },
    });
    reopen.disabled = edit.state !== 'ready';
    reopen.addEventListener('click', () => events.reopen(edit.sourceId, edit.editId));
    const remove = h(doc, 'button', {
      className: 'link',
      text: 'Delete',
      attrs: { type: 'button', 'aria-label': `Delete “${edit.prompt}”` },
    });
    remove.addEventListener('click', () => events.deleteEdit(edit.sourceId, edit.editId));
    return h(doc, 'li', {}, [h(doc, 'span', { className: 'grow', text: label }), reopen, remove]);
  };

  return {
    render({ selection, savedEdits }: PanelState): void {
      const [first] = selection;
      text.textContent =
        first === undefined
          ? 'Select a layer: a frame, group, image or vector.'
          : selection.length === 1
            ? `${first.name} · ${Math.round(first.frame.width)}×${Math.round(first.frame.height)}`
            : `${selection.length} layers: each becomes its own edit`;
      text.classList.toggle('muted', first === undefined);
      if (savedEdits !== last) {
        replaceChildren(list, savedEdits.map(row));
        last = savedEdits;
      }
      saved.hidden = savedEdits.length === 0;
    },
  };
}
