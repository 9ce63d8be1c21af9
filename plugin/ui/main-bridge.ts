// The panel's link to the document side. In Figma that is the sandbox (plugin/main) behind postMessage; messages
// are checked, and accepted only from the parent window, which is Figma itself. Photoshop has its own in-process link.
import { parseMainToUi, type MainToUi, type UiToMain } from '../../shared/src/bridge/messages.ts';

export interface MainLink {
  post(message: UiToMain): void;
  onMessage(handler: (message: MainToUi) => void): void;
}

export function figmaMainLink(win: Window = window): MainLink {
  return {
    // Figma's documented pattern: the target origin is '*' because the hosting origin differs between app and web.
    post: (message) => win.parent.postMessage({ pluginMessage: message }, '*'),
    onMessage(handler) {
      win.addEventListener('message', (event: MessageEvent) => {
        if (event.source !== win.parent) return;
        const data: unknown = event.data;
        const payload =
          typeof data === 'object' && data !== null && 'pluginMessage' in data ? data.pluginMessage : undefined;
        const message = parseMainToUi(payload);
        if (message === null) console.warn('Imagic UI: ignored a malformed message from the plugin', payload);
        else handler(message);
      });
    },
  };
}
