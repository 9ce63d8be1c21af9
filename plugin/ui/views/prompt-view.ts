// The prompt box and the recent prompts. ⌘/Ctrl+Enter starts the edit.
import type { PanelState } from '../state/panel-state.ts';
import { byId, h, replaceChildren } from './dom.ts';
import type { PanelEvents } from './events.ts';

export function promptView(doc: Document, events: PanelEvents) {
  const prompt = byId(doc, 'prompt', 'textarea');
  const recent = byId(doc, 'recent-prompts', 'div');
  let lastRecent: string[] | null = null;

  prompt.addEventListener('input', () => events.promptChanged(prompt.value));
  prompt.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) {
      event.preventDefault();
      events.startEdit();
    }
  });

  const chip = (text: string): HTMLButtonElement => {
    const button = h(doc, 'button', { className: 'chip', text, attrs: { type: 'button', title: text } });
    button.addEventListener('click', () => {
      prompt.value = text;
      events.promptChanged(text);
      prompt.focus();
    });
    return button;
  };

  return {
    render({ prompt: value, recentPrompts }: PanelState): void {
      if (prompt.value !== value) prompt.value = value;
      if (recentPrompts !== lastRecent) {
        replaceChildren(recent, recentPrompts.map(chip));
        lastRecent = recentPrompts;
      }
      recent.hidden = recentPrompts.length === 0;
    },
  };
}
