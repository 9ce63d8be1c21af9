// The UI's side of the channel to the Figma sandbox (plugin/main). Incoming messages are checked, and accepted only
// from the parent window, which is Figma itself.
import { parseMainToUi, type MainToUi, type UiToMain } from '../../shared/src/bridge/messages.ts';

/** Figma's documented pattern: the target origin is '*' because the hosting origin differs between app and web. */
export const postToMain = (message: UiToMain): void => parent.postMessage({ pluginMessage: message }, '*');

export function onMainMessage(handler: (message: MainToUi) => void): void {
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== parent) return;
    const data: unknown = event.data;
    const payload = typeof data === 'object' && data !== null && 'pluginMessage' in data ? data.pluginMessage : undefined;
    const message = parseMainToUi(payload);
    if (message === null) console.warn('Imagic UI: ignored a malformed message from the plugin', payload);
    else handler(message);
  });
}
