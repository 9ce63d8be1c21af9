// What the views report: user intents, named for what the user wants. The app controller implements them.
import type { EditMode, Preset } from '../../../shared/src/protocol/edit-request.ts';
import type { LearnKind } from '../../../shared/src/protocol/learn-request.ts';

export type PanelEvents = {
  pair(token: string): void;
  changeCode(): void;
  promptChanged(prompt: string): void;
  presetChanged(preset: Preset): void;
  seedsChanged(text: string): void;
  /** Imagic or quick. */
  modeChanged(mode: EditMode): void;
  /** The η slider moves (drag or keys): preview. */
  etaInput(eta: number): void;
  /** The η slider was released: full render. */
  etaCommit(eta: number): void;
  /** In quick mode the same slider sets the strength: preview while it moves, the grid on release. */
  strengthInput(strength: number): void;
  strengthCommit(strength: number): void;
  varyEtaChanged(vary: boolean): void;
  autoMaskChanged(on: boolean): void;
  /** A subject adapter switched on for quick edits, or none (null). */
  subjectChanged(subject: string | null): void;
  /** Grow (+1) or shrink (−1) a run's automatic region by a step, or switch it off (null); renders again. */
  regionChanged(runId: number, step: 1 | -1 | null): void;
  startEdit(): void;
  cancel(): void;
  /** The learn job's word or its starting word was typed. */
  learnChanged(patch: { token?: string; initWord?: string; kind?: LearnKind; classWord?: string }): void;
  /** Learn a word from the selected layers (Textual Inversion), or stop doing so. */
  startLearn(): void;
  cancelLearn(): void;
  toggleVariant(key: string): void;
  insert(): void;
  reopen(sourceId: string, editId: string): void;
  deleteEdit(sourceId: string, editId: string): void;
};
