// What each tray menu item does: one row per TrayAction. The same operations are reachable without a tray:
// open dashboard = the URL `imagic serve` prints; copy pairing code = `imagic pair` or the dashboard's copy
// button; pause/resume = the dashboard's queue buttons (queue.pause/queue.resume); open models folder = the path
// `imagic models list` and the dashboard show; quit = Ctrl+C or SIGTERM on `imagic serve`.
import type { DesktopShell } from './desktop-shell.ts';
import type { TrayAction } from './tray-adapter.ts';

export type TrayActionDeps = {
  dashboardUrl: string;
  pairingCode: string;
  modelsDir: string;
  shell: DesktopShell;
  queue: { readonly isPaused: boolean; pause(): void; resume(): void };
  quit(): void;
};

export function trayActions(deps: TrayActionDeps): Readonly<Record<TrayAction, () => Promise<void>>> {
  return {
    'open-dashboard': () => deps.shell.openAsync(deps.dashboardUrl),
    'copy-pairing-code': () => deps.shell.copyAsync(deps.pairingCode),
    'toggle-pause': async () => (deps.queue.isPaused ? deps.queue.resume() : deps.queue.pause()),
    'open-models-folder': () => deps.shell.openAsync(deps.modelsDir),
    quit: async () => deps.quit(),
  };
}
