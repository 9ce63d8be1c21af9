// Figma UI iframe entry: the panel, linked to the sandbox by postMessage. The only place the companion's WebSocket
// is opened is daemon/daemon-client.ts, driven from here.
import { startPanelApp } from './app/panel-app.ts';
import { figmaEnvironment } from './daemon/local-network.ts';
import { figmaMainLink } from './main-bridge.ts';

/** Replaced by the build with package.json's version. */
declare const IMAGIC_VERSION: string;

startPanelApp({
  doc: document,
  link: figmaMainLink(),
  client: 'figma',
  clientVersion: IMAGIC_VERSION,
  env: figmaEnvironment(),
});
