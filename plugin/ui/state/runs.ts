// Pure updates of the edit runs and of the saved-edits list.
import type { UploadImage } from '../daemon/edit-service.ts';
import type { SelectionItem, SourceRef } from '../../../shared/src/bridge/messages.ts';
import type { EditSummary } from '../../../shared/src/protocol/messages.ts';
import type { EditRun, SavedEditView, Variant } from './panel-state.ts';

export const newRun = (
  id: number,
  source: SourceRef,
  prompt: string,
  editId: string | null = null,
  before: Uint8Array | null = null,
  /** A quick edit's layer, sent again by each of its renders. */
  quickUpload: UploadImage | null = null,
  mask: UploadImage | null = null,
  autoMask = false,
): EditRun => ({
  id,
  source,
  prompt,
  mode: quickUpload === null ? 'imagic' : 'quick',
  upload: quickUpload,
  mask,
  autoRegion: mask === null && autoMask ? { growPx: 0 } : null,
  maskPng: null,
  editId,
  status: editId === null ? 'uploading' : 'ready',
  trained: editId !== null || quickUpload !== null,
  progress: null,
  queuePosition: null,
  variants: [],
  preview: null,
  before,
  error: null,
});

export const patchRun = (
  runs: readonly EditRun[],
  id: number,
  patch: Partial<EditRun> | ((run: EditRun) => Partial<EditRun>),
): EditRun[] =>
  runs.map((run) => (run.id === id ? { ...run, ...(typeof patch === 'function' ? patch(run) : patch) } : run));

/** Keeps the choices whose variants still exist (a re-render replaces a run's variants). */
export function keepChosen(chosen: ReadonlySet<string>, runs: readonly EditRun[]): ReadonlySet<string> {
  const keys = new Set(runs.flatMap((r) => r.variants.map((v) => v.key)));
  const kept = [...chosen].filter((k) => keys.has(k));
  return kept.length === chosen.size ? chosen : new Set(kept);
}

export function toggleChosen(chosen: ReadonlySet<string>, key: string): ReadonlySet<string> {
  const next = new Set(chosen);
  if (!next.delete(key)) next.add(key);
  return next;
}

/** The chosen variants of each run, for insertion; runs with none are left out. */
export const chosenByRun = (
  runs: readonly EditRun[],
  chosen: ReadonlySet<string>,
): Array<{ run: EditRun; variants: Variant[] }> =>
  runs
    .map((run) => ({ run, variants: run.variants.filter((v) => chosen.has(v.key)) }))
    .filter((entry) => entry.variants.length > 0);

/** The saved edits of the selected layers, with what the companion knows; null edits: not asked yet. */
export function savedEditViews(
  selection: readonly SelectionItem[],
  companionEdits: ReadonlyMap<string, EditSummary> | null,
): SavedEditView[] {
  return selection.flatMap((item) =>
    [...item.savedEdits].reverse().map((saved) => ({
      sourceId: item.id,
      sourceName: item.name,
      editId: saved.editId,
      prompt: saved.prompt,
      state: companionEdits === null ? 'unknown' : (companionEdits.get(saved.editId)?.state ?? 'missing'),
    })),
  );
}
