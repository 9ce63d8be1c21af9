// The whole panel: its parts, rendered from one PanelState; user intents go to PanelEvents. No protocol logic here.
import type { PanelState } from '../state/panel-state.ts';
import { connectionView } from './connection-view.ts';
import { controlsView } from './controls-view.ts';
import { byId } from './dom.ts';
import type { PanelEvents } from './events.ts';
import { learnView } from './learn-view.ts';
import { progressView } from './progress-view.ts';
import { promptView } from './prompt-view.ts';
import { selectionView } from './selection-view.ts';
import { variantsView } from './variants-view.ts';

export type Panel = { render(state: PanelState): void; setToken(token: string): void };

export function createPanel(doc: Document, events: PanelEvents): Panel {
  const connection = connectionView(doc, events);
  const parts = [
    connection,
    selectionView(doc, events),
    promptView(doc, events),
    controlsView(doc, events),
    progressView(doc),
    variantsView(doc, events),
    learnView(doc, events),
  ];
  const notice = byId(doc, 'notice', 'p');
  return {
    render(state) {
      for (const part of parts) part.render(state);
      notice.hidden = state.notice === null;
      notice.textContent = state.notice?.text ?? '';
      notice.classList.toggle('error', state.notice?.isError === true);
    },
    setToken: (token) => connection.setToken(token),
  };
}
