// UI iframe entry: wires the panel, the bridge to the Figma sandbox and the companion connection together.
import { readPngSize } from '../../shared/src/protocol/image-format.ts';
import { companionUrl, DaemonClient, DaemonRequestError } from './daemon/daemon-client.ts';
import { onMainMessage, postToMain } from './main-bridge.ts';
import { createPanel } from './views/panel.ts';

/** Replaced by the build with package.json's version. */
declare const IMAGIC_VERSION: string;

const panel = createPanel(document);
panel.renderConnection({ status: 'idle' });
let client: DaemonClient | null = null;

async function refreshStatusAsync(current: DaemonClient): Promise<void> {
  try {
    const reply = await current.requestAsync({ type: 'status' });
    if (reply.type === 'status.result') panel.renderStatus(reply);
  } catch (err) {
    if (!(err instanceof DaemonRequestError)) throw err;
    postToMain({ type: 'notify', message: `Imagic: ${err.code}: ${err.message}`, isError: true });
  }
}

function connect(token: string): void {
  client?.close();
  const next = new DaemonClient({ url: companionUrl(), token, client: 'figma', clientVersion: IMAGIC_VERSION });
  client = next;
  next.onStateChange((state) => {
    panel.renderConnection(state);
    if (state.status === 'ready') void refreshStatusAsync(next);
  });
  next.connect();
}

panel.onConnect((token) => {
  postToMain({ type: 'token.save', token });
  if (token !== '') connect(token);
});

panel.onExport(() => {
  panel.renderExport('Exporting…', false);
  postToMain({ type: 'selection.export' });
});

onMainMessage((message) => {
  switch (message.type) {
    case 'token.loaded':
      if (message.token !== null) {
        panel.setToken(message.token);
        connect(message.token);
      }
      return;
    case 'selection.changed':
      panel.renderSelection(message.count, message.name);
      return;
    case 'selection.exported': {
      const size = readPngSize(message.png);
      const kib = Math.ceil(message.png.length / 1024);
      panel.renderExport(size === null ? 'Figma returned an unreadable PNG' : `${message.name}: ${size.width}×${size.height} PNG, ${kib} KiB`, size === null);
      return;
    }
    case 'selection.failed':
      panel.renderExport(message.message, true);
      return;
  }
});

postToMain({ type: 'ui.ready' });
