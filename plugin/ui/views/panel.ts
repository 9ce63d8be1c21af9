// The panel's DOM: renders states it is given and reports clicks. No protocol or connection logic lives here.
import { errorCodes } from '../../../shared/src/protocol/error-codes.ts';
import type { MessageOf, ServerMessage } from '../../../shared/src/protocol/messages.ts';
import type { ConnectionState } from '../daemon/connection-state.ts';

type StatusResult = MessageOf<ServerMessage, 'status.result'>;

const element = <T extends HTMLElement>(doc: Document, id: string, type: new () => T): T => {
  const found = doc.getElementById(id);
  if (!(found instanceof type)) throw new Error(`ui.html lacks #${id} (${type.name})`);
  return found;
};

const describeConnection = (state: ConnectionState): { text: string; hint: string | null } => {
  switch (state.status) {
    case 'idle':
      return { text: 'Not connected', hint: 'Paste the pairing code that `imagic pair` prints.' };
    case 'connecting':
      return { text: state.attempt > 1 ? `Connecting (attempt ${state.attempt})…` : 'Connecting…', hint: null };
    case 'pairing':
      return { text: 'Pairing…', hint: null };
    case 'ready':
      return { text: `Connected to companion ${state.companionVersion}`, hint: null };
    case 'waiting':
      return { text: `Companion not reachable, retrying in ${Math.ceil(state.retryInMs / 1000)} s`, hint: errorCodes.COMPANION_UNREACHABLE };
    case 'failed':
      return { text: `${state.code}: ${state.message}`, hint: errorCodes[state.code] };
    case 'closed':
      return { text: 'Disconnected', hint: null };
  }
};

export function createPanel(doc: Document) {
  const dot = element(doc, 'status-dot', HTMLSpanElement);
  const statusText = element(doc, 'status-text', HTMLSpanElement);
  const hint = element(doc, 'hint', HTMLParagraphElement);
  const form = element(doc, 'pair-form', HTMLFormElement);
  const tokenInput = element(doc, 'token', HTMLInputElement);
  const companion = element(doc, 'companion', HTMLElement);
  const model = element(doc, 'model', HTMLElement);
  const device = element(doc, 'device', HTMLElement);
  const queue = element(doc, 'queue', HTMLElement);
  const selectionText = element(doc, 'selection-text', HTMLParagraphElement);
  const exportButton = element(doc, 'export-button', HTMLButtonElement);
  const exportResult = element(doc, 'export-result', HTMLParagraphElement);

  return {
    setToken(token: string): void {
      tokenInput.value = token;
    },
    onConnect(handler: (token: string) => void): void {
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        handler(tokenInput.value.trim());
      });
    },
    onExport(handler: () => void): void {
      exportButton.addEventListener('click', handler);
    },
    renderConnection(state: ConnectionState): void {
      const { text, hint: hintText } = describeConnection(state);
      dot.dataset['status'] = state.status;
      statusText.textContent = text;
      hint.textContent = hintText ?? '';
      hint.hidden = hintText === null;
      if (state.status !== 'ready') companion.hidden = true;
    },
    renderStatus(status: StatusResult): void {
      companion.hidden = false;
      model.textContent = status.model.state === 'none' ? `none: ${status.model.hint}` : `${status.model.name} (${status.model.state})`;
      device.textContent = status.device === null ? 'not selected yet' : `${status.device} (${status.executionProvider ?? '?'})`;
      queue.textContent = `${status.queue.running} running, ${status.queue.queued} queued`;
    },
    renderSelection(count: number, name: string | null): void {
      selectionText.textContent = count === 0 ? 'Nothing selected' : count === 1 ? `Selected: ${name ?? 'layer'}` : `${count} layers selected`;
      exportButton.disabled = count !== 1;
    },
    renderExport(text: string, isError: boolean): void {
      exportResult.textContent = text;
      exportResult.classList.toggle('error', isError);
    },
  };
}
