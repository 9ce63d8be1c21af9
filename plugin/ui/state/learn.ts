// The panel's learn job (Textual Inversion from the selected layers): what the designer typed, where the job is, and
// why the button is off. No DOM here.
import { LEARN_LAYERS } from '../../../shared/src/protocol/defaults.ts';
import type { StageProgress } from './job-progress.ts';
import type { LearnKind } from '../../../shared/src/protocol/learn-request.ts';

/**
 * The subject adapter an edit switches on (EditRequest.subject, either mode): the one chosen, while the model still
 * has it (one removed meanwhile is not asked for).
 */
export const subjectField = (state: {
  readonly subject: string | null;
  readonly learned: { readonly adapters: readonly string[] };
}): { subject?: string } =>
  state.subject !== null && state.learned.adapters.includes(state.subject) ? { subject: state.subject } : {};

export type LearnStatus = 'idle' | 'exporting' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export type LearnState = {
  /** The new word, e.g. "<my-logo>". */
  token: string;
  /** A word the model knows that the new one starts from. */
  initWord: string;
  /** A word alone (Textual Inversion), or a word with a subject adapter (DreamBooth-style), which needs `classWord`. */
  kind: LearnKind;
  classWord: string;
  status: LearnStatus;
  jobId: string | null;
  progress: StageProgress | null;
  /** What happened, in words: the result, the failure, or "Cancelled." */
  message: string | null;
};

export const initialLearnState = (): LearnState => ({
  token: '',
  initWord: '',
  kind: 'embedding',
  classWord: '',
  status: 'idle',
  jobId: null,
  progress: null,
  message: null,
});

export const isLearning = (learn: LearnState): boolean =>
  learn.status === 'exporting' || learn.status === 'queued' || learn.status === 'running';

/** Why "Learn from selection" is off, or null when a learn job can start. */
export function learnBlocker(
  learn: LearnState,
  context: { connected: boolean; hasModel: boolean; selected: number },
): string | null {
  if (!context.connected) return 'Connect to the companion first.';
  if (!context.hasModel) return 'The companion has no model yet.';
  if (context.selected < LEARN_LAYERS.min || context.selected > LEARN_LAYERS.max)
    return `Select ${LEARN_LAYERS.min}–${LEARN_LAYERS.max} layers of the one thing to learn (${context.selected} selected).`;
  const token = learn.token.trim();
  if (token === '') return 'Name the new word first, e.g. <my-logo>.';
  if (/\s/.test(token)) return 'The new word is one word: no spaces (e.g. <my-logo>).';
  if (learn.initWord.trim() === '' || /\s/.test(learn.initWord.trim()))
    return 'Give one word the model knows to start from, e.g. logo.';
  if (learn.kind === 'adapter' && (learn.classWord.trim() === '' || /\s/.test(learn.classWord.trim())))
    return 'A subject adapter needs the class of what it learns, one word (e.g. dog).';
  if (isLearning(learn)) return 'A learn job is running.';
  return null;
}
