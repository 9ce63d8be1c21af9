// The Photoshop panel's MainLink: the controller runs in the same page, so messages are handed over in-process,
// asynchronously like postMessage and through the same checks.
import { parseMainToUi, parseUiToMain, type MainToUi } from '../../shared/src/bridge/messages.ts';
import type { Controller } from '../main/controller.ts';
import type { MainLink } from '../ui/main-bridge.ts';

export function localMainLink(createController: (post: (message: MainToUi) => void) => Controller): MainLink {
  const handlers: Array<(message: MainToUi) => void> = [];
  const controller = createController((message) => {
    // A later turn, as postMessage delivers (UXP may lack queueMicrotask).
    void Promise.resolve().then(() => {
      const checked = parseMainToUi(message);
      if (checked === null) return console.error('Imagic: the host sent a malformed message', message);
      for (const handler of handlers) handler(checked);
    });
  });
  return {
    post(message) {
      const checked = parseUiToMain(message);
      if (checked === null) return console.error('Imagic: the panel sent a malformed message', message);
      controller.handleAsync(checked).catch((err: unknown) => console.error('Imagic: host request failed', err));
    },
    onMessage: (handler) => void handlers.push(handler),
  };
}
