// The connection card: state, the exact fix, the pairing form, and the companion's model and device.
import type { PanelState } from '../state/panel-state.ts';
import { byId, h, replaceChildren, withCode } from './dom.ts';
import type { PanelEvents } from './events.ts';

export function connectionView(doc: Document, events: PanelEvents) {
  const dot = byId(doc, 'connection-dot', 'span');
  const title = byId(doc, 'connection-title', 'span');
  const fix = byId(doc, 'connection-fix', 'ol');
  const form = byId(doc, 'pair-form', 'div');
  const token = byId(doc, 'token', 'input');
  const pair = byId(doc, 'pair', 'button');
  const info = byId(doc, 'companion-info', 'p');
  const changeCode = byId(doc, 'change-code', 'button');
  let forcedOpen = false;

  const submit = () => {
    const code = token.value.trim();
    if (code === '') return token.focus();
    forcedOpen = false;
    events.pair(code);
  };
  pair.addEventListener('click', submit);
  token.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') submit();
  });
  changeCode.addEventListener('click', () => {
    forcedOpen = true;
    events.changeCode();
    token.focus();
  });

  let lastFix = '';
  return {
    setToken(value: string): void {
      token.value = value;
    },
    render({ connection, companion }: PanelState): void {
      dot.dataset['kind'] = connection.kind;
      title.textContent = connection.title;
      const fixKey = connection.fix.join('\n');
      if (fixKey !== lastFix) {
        replaceChildren(
          fix,
          connection.fix.map((line) => h(doc, 'li', {}, [withCode(doc, line)])),
        );
        lastFix = fixKey;
      }
      fix.hidden = connection.fix.length === 0;
      form.hidden = !(connection.askForCode || forcedOpen);
      changeCode.hidden = !form.hidden || connection.kind === 'connecting';
      const connected = connection.kind === 'connected' && companion !== null;
      info.hidden = !connected;
      if (connected) info.textContent = `Model: ${companion.model} · ${companion.device}`;
    },
  };
}
