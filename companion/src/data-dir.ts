// Where the companion keeps its state (pairing code, models, edits). Pure: the caller passes env, platform and home,
// so every platform's rule is testable on any machine.
import path from 'node:path';

export type DataDirInput = {
  /** --data-dir */
  flag?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  homeDir: string;
};

const APP_DIR = 'imagic';

const nonEmpty = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** --data-dir, then IMAGIC_DATA_DIR, then the platform's per-user data directory. */
export function resolveDataDir({ flag, env, platform, homeDir }: DataDirInput): string {
  if (nonEmpty(flag)) return path.resolve(flag);
  if (nonEmpty(env['IMAGIC_DATA_DIR'])) return path.resolve(env['IMAGIC_DATA_DIR']);
  switch (platform) {
    case 'win32':
      return nonEmpty(env['APPDATA'])
        ? path.win32.join(env['APPDATA'], APP_DIR)
        : path.win32.join(homeDir, 'AppData', 'Roaming', APP_DIR);
    case 'darwin':
      return path.posix.join(homeDir, 'Library', 'Application Support', APP_DIR);
    default: {
      // The XDG Base Directory spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
      const xdg = env['XDG_DATA_HOME'];
      return nonEmpty(xdg) && path.posix.isAbsolute(xdg)
        ? path.posix.join(xdg, APP_DIR)
        : path.posix.join(homeDir, '.local', 'share', APP_DIR);
    }
  }
}
