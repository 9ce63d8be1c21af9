// "Learn a word": the new word, the word it starts from, the button that learns it from the selected layers, and the
// job's progress, result or failure. The button says why it is off.
import { describeProgress } from '../state/job-progress.ts';
import { isLearning, learnBlocker } from '../state/learn.ts';
import type { PanelState } from '../state/panel-state.ts';
import { byId } from './dom.ts';
import type { PanelEvents } from './events.ts';

export function learnView(doc: Document, events: PanelEvents) {
  const token = byId(doc, 'learn-token', 'input');
  const initWord = byId(doc, 'learn-init', 'input');
  const kind = byId(doc, 'learn-kind', 'select');
  const classRow = byId(doc, 'learn-class-row', 'div');
  const classWord = byId(doc, 'learn-class', 'input');
  const start = byId(doc, 'learn-start', 'button');
  const cancel = byId(doc, 'learn-cancel', 'button');
  const status = byId(doc, 'learn-status', 'p');
  const bar = byId(doc, 'learn-bar', 'div');
  const fill = byId(doc, 'learn-fill', 'div');

  token.addEventListener('input', () => events.learnChanged({ token: token.value }));
  initWord.addEventListener('input', () => events.learnChanged({ initWord: initWord.value }));
  kind.addEventListener('change', () =>
    events.learnChanged({ kind: kind.value === 'adapter' ? 'adapter' : 'embedding' }),
  );
  classWord.addEventListener('input', () => events.learnChanged({ classWord: classWord.value }));
  start.addEventListener('click', () => events.startLearn());
  cancel.addEventListener('click', () => events.cancelLearn());

  return {
    render({ learn, connection, companion, selection }: PanelState): void {
      if (token.value !== learn.token) token.value = learn.token;
      if (initWord.value !== learn.initWord) initWord.value = learn.initWord;
      if (kind.value !== learn.kind) kind.value = learn.kind;
      if (classWord.value !== learn.classWord) classWord.value = learn.classWord;
      classRow.hidden = learn.kind !== 'adapter';
      const blocker = learnBlocker(learn, {
        connected: connection.kind === 'connected',
        hasModel: companion?.hasModel !== false,
        selected: selection.length,
      });
      const running = isLearning(learn);
      start.disabled = blocker !== null;
      start.title = blocker ?? 'Learn the word from the selected layers';
      cancel.hidden = !running;
      const progress = learn.status === 'running' && learn.progress !== null ? describeProgress(learn.progress) : null;
      const text =
        progress !== null
          ? `${progress.label} · ${progress.detail}`
          : learn.status === 'exporting'
            ? 'Reading the layers…'
            : learn.status === 'queued'
              ? 'Queued…'
              : (learn.message ?? (blocker !== null && !running ? blocker : ''));
      status.textContent = text;
      status.classList.toggle('error', learn.status === 'failed');
      bar.hidden = !running;
      fill.style.width = `${progress?.percent ?? 0}%`;
      bar.setAttribute('aria-valuenow', String(progress?.percent ?? 0));
    },
  };
}
