// The tray on Windows and macOS through systray2 (a small Go binary it ships and drives over stdin/stdout). Its
// `ready()` never settles where the binary cannot show an icon (docs/hosts.md §5), so start-tray.ts gives
// it a deadline and kills the binary when it passes.
import systray2, { type MenuItem } from 'systray2';
import type { TrayAction, TrayAdapter, TrayStatus } from './tray-adapter.ts';
import { trayIconBase64Async } from './tray-icon.ts';

// systray2 is CommonJS with `exports.default`; Node's ESM loader hands over the whole exports object as default.
const SysTray = ((systray2 as unknown as { default?: typeof systray2 }).default ?? systray2) as typeof systray2;
type SysTray = InstanceType<typeof SysTray>;

const ITEMS: ReadonlyArray<{ action: TrayAction | null; title: string }> = [
  { action: null, title: 'Imagic: idle' },
  { action: 'open-dashboard', title: 'Open dashboard' },
  { action: 'copy-pairing-code', title: 'Copy pairing code' },
  { action: 'toggle-pause', title: 'Pause queue' },
  { action: 'open-models-folder', title: 'Open models folder' },
  { action: 'quit', title: 'Quit Imagic' },
];

export class SystrayTray implements TrayAdapter {
  readonly kind = 'systray' as const;
  private tray: SysTray | undefined;
  private readonly items: MenuItem[] = ITEMS.map(({ title, action }) => ({
    title,
    tooltip: title,
    enabled: action !== null,
  }));

  async startAsync(onAction: (action: TrayAction) => void): Promise<void> {
    const icon = await trayIconBase64Async(process.platform);
    const tray = new SysTray({ menu: { icon, title: '', tooltip: 'Imagic', items: this.items }, copyDir: false });
    this.tray = tray;
    await tray.ready();
    await tray.onClick((event) => {
      const index = this.items.indexOf(event.item);
      const row = ITEMS[index >= 0 ? index : event.seq_id];
      if (row?.action) onAction(row.action);
    });
  }

  update(status: TrayStatus): void {
    const tray = this.tray;
    if (!tray) return;
    const [statusItem, , , pauseItem] = this.items;
    statusItem!.title = status.tooltip;
    pauseItem!.title = status.state === 'paused' ? 'Resume queue' : 'Pause queue';
    void tray.sendAction({ type: 'update-item', item: statusItem!, seq_id: 0 });
    void tray.sendAction({ type: 'update-item', item: pauseItem!, seq_id: 3 });
  }

  async closeAsync(): Promise<void> {
    const tray = this.tray;
    this.tray = undefined;
    // kill() waits for ready(), which may never come; the process itself can always be killed.
    tray?.process?.kill();
  }
}
