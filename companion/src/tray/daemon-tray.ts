// Wires a tray to a running daemon: actions from the menu, and the status line refreshed once a second.
import { modelsDir } from '../models/model-store.ts';
import type { Logger } from '../log.ts';
import type { RunningDaemon } from '../server/daemon.ts';
import { desktopShell } from './desktop-shell.ts';
import { startTrayAsync, type TrayMode } from './start-tray.ts';
import { trayActions } from './tray-actions.ts';
import type { TrayAdapter } from './tray-adapter.ts';
import { trayStatus } from './tray-status.ts';

export type DaemonTrayOptions = { mode: TrayMode; token: string; logger: Logger; quit: () => void; timeoutMs?: number };

const REFRESH_MS = 1000;
const START_TIMEOUT_MS = 5000;

export async function attachTrayAsync(
  daemon: RunningDaemon,
  { mode, token, logger, quit, timeoutMs = START_TIMEOUT_MS }: DaemonTrayOptions,
): Promise<{ tray: TrayAdapter; closeAsync(): Promise<void> }> {
  const { queue } = daemon.services;
  const actions = trayActions({
    dashboardUrl: daemon.url,
    pairingCode: token,
    modelsDir: modelsDir(daemon.dataDir),
    shell: desktopShell(process.platform),
    queue,
    quit,
  });
  const tray = await startTrayAsync({
    mode,
    platform: process.platform,
    timeoutMs,
    logger,
    onAction: (action) =>
      void actions[action]().catch((err: unknown) => logger.warn(`tray action ${action} failed: ${String(err)}`)),
  });
  const refresh = () => {
    const current = queue.current;
    tray.update(
      trayStatus({
        isPaused: queue.isPaused,
        running: current !== undefined,
        progress: current?.progress,
        queued: queue.counts().queued,
      }),
    );
  };
  refresh();
  const timer = setInterval(refresh, REFRESH_MS);
  (timer as unknown as { unref?: () => void }).unref?.();
  return {
    tray,
    async closeAsync() {
      clearInterval(timer);
      await tray.closeAsync();
    },
  };
}
