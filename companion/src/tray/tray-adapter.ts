// The tray icon, as an interface with one implementation per file: systray2 on Windows and macOS, nothing where
// no tray works (Linux without a StatusNotifier/AppIndicator host, CI; docs/hosts.md §5). Every tray action
// also exists elsewhere: the dashboard (pause/resume, pairing code, models folder) or the CLI (`imagic pair`,
// `imagic models list`, Ctrl+C on `imagic serve`).

export type TrayAction = 'open-dashboard' | 'copy-pairing-code' | 'toggle-pause' | 'open-models-folder' | 'quit';

export type TrayStatus = {
  state: 'idle' | 'working' | 'paused';
  /** 0–100 while working. */
  percent?: number;
  /** One line, e.g. "Imagic: fine-tuning 42%". */
  tooltip: string;
};

export interface TrayAdapter {
  readonly kind: 'systray' | 'none';
  /** Resolves once the icon shows; rejects if it cannot (the caller then falls back to no tray). */
  startAsync(onAction: (action: TrayAction) => void): Promise<void>;
  update(status: TrayStatus): void;
  closeAsync(): Promise<void>;
}
