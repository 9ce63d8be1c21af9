import { describe, expect, it } from 'vitest';
import { silentLogger } from '../log.ts';
import { startTrayAsync, type StartTrayOptions } from './start-tray.ts';
import type { TrayAdapter } from './tray-adapter.ts';

const base: StartTrayOptions = {
  mode: 'on',
  platform: 'darwin',
  timeoutMs: 200,
  logger: silentLogger,
  onAction: () => undefined,
};

const fakeTray = (start: () => Promise<void>) => {
  const calls = { closed: 0 };
  const tray: TrayAdapter = {
    kind: 'systray',
    startAsync: start,
    update: () => undefined,
    closeAsync: async () => void calls.closed++,
  };
  return { tray, calls };
};

describe('startTrayAsync', () => {
  it('gives no tray when off, or on Linux unless asked for', async () => {
    expect((await startTrayAsync({ ...base, mode: 'off' })).kind).toBe('none');
    expect(
      (
        await startTrayAsync({
          ...base,
          mode: 'auto',
          platform: 'linux',
          createTray: () => Promise.reject(new Error('not called')),
        })
      ).kind,
    ).toBe('none');
  });

  it('falls back to no tray when the tray never becomes ready, within the timeout, and closes it', async () => {
    const { tray, calls } = fakeTray(() => new Promise(() => undefined));
    const t0 = performance.now();
    expect((await startTrayAsync({ ...base, createTray: async () => tray })).kind).toBe('none');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(calls.closed).toBe(1);
  });

  it('falls back to no tray when the tray fails to start', async () => {
    const { tray } = fakeTray(() => Promise.reject(new Error('spawn EACCES')));
    expect((await startTrayAsync({ ...base, createTray: async () => tray })).kind).toBe('none');
  });

  it('returns the tray when it starts', async () => {
    const { tray } = fakeTray(async () => undefined);
    expect(await startTrayAsync({ ...base, mode: 'auto', platform: 'win32', createTray: async () => tray })).toBe(tray);
  });

  it('never blocks on the real systray2, whatever this machine can show', async () => {
    const t0 = performance.now();
    const tray = await startTrayAsync({ ...base, platform: process.platform, timeoutMs: 3000 });
    expect(performance.now() - t0).toBeLessThan(4500);
    await tray.closeAsync();
  });
});
