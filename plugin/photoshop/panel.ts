// Photoshop UXP panel entry: the same panel as in Figma, with the controller and a PhotoshopHost in-process.
import { action, app, constants, core, imaging } from 'photoshop';
import { createController } from '../main/controller.ts';
import { startPanelApp } from '../ui/app/panel-app.ts';
import { localMainLink } from './local-link.ts';
import { PhotoshopHost } from './photoshop-host.ts';
import { uxpStorage } from './uxp-storage.ts';

/** Replaced by the build with package.json's version. */
declare const IMAGIC_VERSION: string;

let showNotice = (message: string, isError: boolean): void => (isError ? console.warn(message) : console.log(message));
const host = new PhotoshopHost(
  { app, core, imaging, action, constants },
  { storage: uxpStorage(), notify: (m, e) => showNotice(m, e) },
);
const store = startPanelApp({
  doc: document,
  link: localMainLink((post) => createController(host, post)),
  client: 'photoshop',
  clientVersion: IMAGIC_VERSION,
  env: { host: 'photoshop', inBrowser: false, embeddedIn: 'unknown' },
});
showNotice = (text, isError) => store.update({ notice: { text, isError } });
