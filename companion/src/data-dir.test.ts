import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDataDir } from './data-dir.ts';

describe('resolveDataDir', () => {
  it('prefers --data-dir, then IMAGIC_DATA_DIR', () => {
    const env = { IMAGIC_DATA_DIR: '/env/dir', XDG_DATA_HOME: '/xdg' };
    expect(resolveDataDir({ flag: '/flag/dir', env, platform: 'linux', homeDir: '/home/u' })).toBe(
      path.resolve('/flag/dir'),
    );
    expect(resolveDataDir({ env, platform: 'linux', homeDir: '/home/u' })).toBe(path.resolve('/env/dir'));
  });

  it('ignores empty overrides', () => {
    expect(resolveDataDir({ flag: ' ', env: { IMAGIC_DATA_DIR: '' }, platform: 'linux', homeDir: '/home/u' })).toBe(
      '/home/u/.local/share/imagic',
    );
  });

  it('uses $XDG_DATA_HOME on Linux when it is absolute, ~/.local/share otherwise', () => {
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/data' }, platform: 'linux', homeDir: '/home/u' })).toBe(
      '/data/imagic',
    );
    expect(resolveDataDir({ env: { XDG_DATA_HOME: 'rel' }, platform: 'linux', homeDir: '/home/u' })).toBe(
      '/home/u/.local/share/imagic',
    );
    expect(resolveDataDir({ env: {}, platform: 'freebsd', homeDir: '/home/u' })).toBe('/home/u/.local/share/imagic');
  });

  it('uses %APPDATA% on Windows', () => {
    expect(
      resolveDataDir({
        env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' },
        platform: 'win32',
        homeDir: 'C:\\Users\\u',
      }),
    ).toBe('C:\\Users\\u\\AppData\\Roaming\\imagic');
    expect(resolveDataDir({ env: {}, platform: 'win32', homeDir: 'C:\\Users\\u' })).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\imagic',
    );
  });

  it('uses ~/Library/Application Support on macOS', () => {
    expect(resolveDataDir({ env: { XDG_DATA_HOME: '/x' }, platform: 'darwin', homeDir: '/Users/u' })).toBe(
      '/Users/u/Library/Application Support/imagic',
    );
  });
});
