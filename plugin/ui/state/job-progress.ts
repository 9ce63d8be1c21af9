// What the progress bar says about a job: the paper's stages in words, the step, the training loss and time left.
import type { JobStage } from '../../../shared/src/protocol/messages.ts';

export type StageProgress = {
  stage: JobStage;
  step: number;
  total: number;
  loss?: number | undefined;
  secondsLeft?: number | undefined;
};

const STAGE_LABELS: Record<JobStage, string> = {
  encode: 'Encoding the image',
  embed: 'Stage 1 of 3 · optimizing the text embedding',
  finetune: 'Stage 2 of 3 · fine-tuning on the image',
  sample: 'Stage 3 of 3 · sampling',
  learn: 'Learning the new word',
};

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function describeProgress(progress: StageProgress): { label: string; percent: number; detail: string } {
  const parts = [`step ${progress.step} of ${progress.total}`];
  if (progress.loss !== undefined) parts.push(`loss ${progress.loss.toPrecision(3)}`);
  if (progress.secondsLeft !== undefined) parts.push(`about ${formatDuration(progress.secondsLeft)} left`);
  return {
    label: STAGE_LABELS[progress.stage],
    percent: Math.round((100 * progress.step) / progress.total),
    detail: parts.join(' · '),
  };
}
