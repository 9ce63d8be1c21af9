// Starts the tray without ever holding up the daemon: off, unsupported, failing or hanging (systray2's ready()
// never settles on some Linux desktops) all end in the null tray within `timeoutMs`, with one log line saying why.
import type { Logger } from '../log.ts';
import { NullTray } from './null-tray.ts';
import type { TrayAction, TrayAdapter } from './tray-adapter.ts';

export type TrayMode = 'auto' | 'on' | 'off';

export type StartTrayOptions = {
  mode: TrayMode;
  platform: NodeJS.Platform;
  timeoutMs: number;
  logger: Logger;
  onAction: (action: TrayAction) => void;
  /** Builds the real tray; replaced in tests. */
  createTray?: () => Promise<TrayAdapter>;
};

/** Platforms where systray2's binary shows an icon out of the box; Linux needs libappindicator3, so only `on` tries it. */
const AUTO_PLATFORMS: readonly NodeJS.Platform[] = ['win32', 'darwin'];

export const isTrayMode = (value: string): value is TrayMode => value === 'auto' || value === 'on' || value === 'off';

export async function startTrayAsync(options: StartTrayOptions): Promise<TrayAdapter> {
  const { mode, platform, timeoutMs, logger } = options;
  if (mode === 'off') return new NullTray();
  if (mode === 'auto' && !AUTO_PLATFORMS.includes(platform)) {
    logger.info(`no tray icon on ${platform} (use --tray on to try one); the dashboard has every tray action`);
    return new NullTray();
  }
  const create = options.createTray ?? (async () => new (await import('./systray-tray.ts')).SystrayTray());
  let tray: TrayAdapter | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    tray = await create();
    let timedOut = false;
    const started = tray.startAsync(options.onAction).then(() => 'started' as const);
    // A failure after the deadline changes nothing (the null tray is in place by then); before it, the race reports it.
    started.catch(
      (err: unknown) =>
        timedOut && logger.info(`late tray failure ignored: ${err instanceof Error ? err.message : String(err)}`),
    );
    if ((await Promise.race([started, deadline])) === 'timeout') {
      timedOut = true;
      throw new Error(`no tray after ${timeoutMs} ms`);
    }
    return tray;
  } catch (err) {
    logger.warn(`tray icon unavailable (${err instanceof Error ? err.message : String(err)}); running without one`);
    await tray?.closeAsync().catch((closeErr: unknown) => logger.warn(`closing the failed tray: ${String(closeErr)}`));
    return new NullTray();
  } finally {
    clearTimeout(timer);
  }
}
