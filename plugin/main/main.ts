// Figma sandbox entry: shows the UI and answers its requests. The sandbox has no network access, so the UI iframe
// owns the companion connection; main only touches the document and clientStorage.
import { parseUiToMain, type MainToUi, type UiToMain } from '../../shared/src/bridge/messages.ts';
import { describeSelection, exportSelectionAsync } from './export-selection.ts';

const TOKEN_KEY = 'imagic.pairingToken';

figma.showUI(__html__, { themeColors: true, width: 320, height: 440, title: 'Imagic' });

const post = (message: MainToUi): void => figma.ui.postMessage(message);

const handlers: { [T in UiToMain['type']]: (message: Extract<UiToMain, { type: T }>) => Promise<void> } = {
  'ui.ready': async () => {
    const token: unknown = await figma.clientStorage.getAsync(TOKEN_KEY);
    post({ type: 'token.loaded', token: typeof token === 'string' && token !== '' ? token : null });
    post(describeSelection());
  },
  'token.save': async ({ token }) => {
    if (token === '') await figma.clientStorage.deleteAsync(TOKEN_KEY);
    else await figma.clientStorage.setAsync(TOKEN_KEY, token);
  },
  'selection.export': async () => post(await exportSelectionAsync()),
  notify: async ({ message, isError }) => void figma.notify(message, { error: isError }),
};

const dispatchAsync = <T extends UiToMain['type']>(message: Extract<UiToMain, { type: T }>): Promise<void> =>
  (handlers[message.type] as (m: typeof message) => Promise<void>)(message);

figma.ui.onmessage = (raw: unknown) => {
  const message = parseUiToMain(raw);
  if (message === null) {
    console.error('Imagic: ignored a malformed message from the UI', raw);
    return;
  }
  dispatchAsync(message).catch((err: unknown) => {
    figma.notify(`Imagic: ${err instanceof Error ? err.message : String(err)}`, { error: true });
  });
};

figma.on('selectionchange', () => post(describeSelection()));
