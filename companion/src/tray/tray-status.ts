// The tray's one-line status from the queue: idle, paused, or the running job's stage and percentage.
import type { JobProgress, JobStage } from '../../../shared/src/protocol/job-info.ts';
import type { TrayStatus } from './tray-adapter.ts';

const STAGE_NAMES: Readonly<Record<JobStage, string>> = {
  encode: 'encoding',
  embed: 'optimising text',
  finetune: 'fine-tuning',
  sample: 'rendering',
  learn: 'learning a word',
};

export function trayStatus(queue: {
  isPaused: boolean;
  running: boolean;
  progress: JobProgress | undefined;
  queued: number;
}): TrayStatus {
  const waiting = queue.queued > 0 ? ` · ${queue.queued} waiting` : '';
  if (queue.running) {
    const p = queue.progress;
    const percent = p ? Math.round((100 * p.step) / p.total) : 0;
    return {
      state: 'working',
      percent,
      tooltip: `Imagic: ${p ? STAGE_NAMES[p.stage] : 'starting'} ${percent}%${waiting}`,
    };
  }
  if (queue.isPaused) return { state: 'paused', tooltip: `Imagic: paused${waiting}` };
  return { state: 'idle', tooltip: 'Imagic: idle' };
}
