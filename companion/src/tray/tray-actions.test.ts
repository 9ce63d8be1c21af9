import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../shared/src/protocol/job-info.ts';
import { trayActions } from './tray-actions.ts';
import { trayStatus } from './tray-status.ts';

describe('trayActions', () => {
  it('maps every menu item to its operation', async () => {
    const calls: string[] = [];
    const queue = {
      isPaused: false,
      pause: () => void ((queue.isPaused = true), calls.push('pause')),
      resume: () => void ((queue.isPaused = false), calls.push('resume')),
    };
    const actions = trayActions({
      dashboardUrl: 'http://localhost:7861/',
      pairingCode: 'code',
      modelsDir: '/data/models',
      shell: {
        openAsync: async (t) => void calls.push(`open ${t}`),
        copyAsync: async (t) => void calls.push(`copy ${t}`),
      },
      queue,
      quit: () => calls.push('quit'),
    });
    for (const action of [
      'open-dashboard',
      'copy-pairing-code',
      'toggle-pause',
      'toggle-pause',
      'open-models-folder',
      'quit',
    ] as const)
      await actions[action]();
    expect(calls).toEqual(['open http://localhost:7861/', 'copy code', 'pause', 'resume', 'open /data/models', 'quit']);
  });
});

describe('trayStatus', () => {
  const progress: JobProgress = { stage: 'finetune', step: 30, total: 120 };
  it('says idle, paused, or the running stage with its percentage', () => {
    expect(trayStatus({ isPaused: false, running: false, progress: undefined, queued: 0 })).toEqual({
      state: 'idle',
      tooltip: 'Imagic: idle',
    });
    expect(trayStatus({ isPaused: true, running: false, progress: undefined, queued: 2 })).toEqual({
      state: 'paused',
      tooltip: 'Imagic: paused · 2 waiting',
    });
    expect(trayStatus({ isPaused: false, running: true, progress, queued: 1 })).toEqual({
      state: 'working',
      percent: 25,
      tooltip: 'Imagic: fine-tuning 25% · 1 waiting',
    });
  });
});
