// Figma sandbox entry: shows the UI and connects it to the controller. The sandbox has no network access, so the UI
// iframe owns the companion connection; main only touches the document and clientStorage.
import { parseUiToMain } from '../../shared/src/bridge/messages.ts';
import { createController } from './controller.ts';
import { FigmaHost } from './host/figma-host.ts';

figma.showUI(__html__, { themeColors: true, width: 360, height: 640, title: 'Imagic' });

const controller = createController(new FigmaHost(), (message) => figma.ui.postMessage(message));

figma.ui.onmessage = (raw: unknown) => {
  const message = parseUiToMain(raw);
  if (message === null) {
    console.error('Imagic: ignored a malformed message from the UI', raw);
    return;
  }
  controller.handleAsync(message).catch((err: unknown) => {
    figma.notify(`Imagic: ${err instanceof Error ? err.message : String(err)}`, { error: true });
  });
};
