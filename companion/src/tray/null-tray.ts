import type { TrayAdapter } from './tray-adapter.ts';

/** No tray: the daemon runs the same; its status and actions are on the dashboard and the CLI. */
export class NullTray implements TrayAdapter {
  readonly kind = 'none' as const;

  async startAsync(): Promise<void> {}

  update(): void {}

  async closeAsync(): Promise<void> {}
}
