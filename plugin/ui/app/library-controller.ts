// Choosing and inserting variants, and the saved edits of the selected layers (list, reopen, delete).
import type { SelectionItem } from '../../../shared/src/bridge/messages.ts';
import type { EditSummary } from '../../../shared/src/protocol/messages.ts';
import { DaemonRequestError } from '../daemon/daemon-client.ts';
import { chosenByRun, newRun, savedEditViews, toggleChosen } from '../state/runs.ts';
import { describeError, notice, requireService, type AppContext } from './context.ts';
import type { RenderController } from './render-controller.ts';

export class LibraryController {
  private companionEdits: Map<string, EditSummary> | null = null;
  private pendingInserts = new Set<string>();
  private nextRunId = 1_000_000;

  constructor(
    private readonly ctx: AppContext,
    private readonly renders: RenderController,
  ) {}

  selectionChanged(items: SelectionItem[]): void {
    this.ctx.store.update({ selection: items, savedEdits: savedEditViews(items, this.companionEdits) });
  }

  /** Asks the companion which edits it keeps, to show their state (or that they are gone). */
  async refreshAsync(): Promise<void> {
    const service = this.ctx.service();
    if (service === null) return;
    const edits = await service.listEditsAsync();
    this.companionEdits = new Map(edits.map((e) => [e.editId, e]));
    this.ctx.store.update((s) => ({ savedEdits: savedEditViews(s.selection, this.companionEdits) }));
  }

  toggle(key: string): void {
    this.ctx.store.update((s) => ({ chosen: toggleChosen(s.chosen, key) }));
  }

  /** One `results.place` per edit: the document side groups each edit's variants above its source. */
  insert(): void {
    const { store, link } = this.ctx;
    const groups = chosenByRun(store.state.runs, store.state.chosen);
    if (groups.length === 0) return notice(this.ctx, 'Choose at least one variant to insert.', true);
    store.update({ busy: 'inserting', notice: null });
    for (const { run, variants } of groups) {
      if (run.editId === null) continue;
      this.pendingInserts.add(run.editId);
      link.post({
        type: 'results.place',
        request: {
          source: run.source,
          prompt: run.prompt,
          editId: run.editId,
          variants: variants.map(({ png, rgba, width, height, eta, seed, quick }) => ({
            png,
            ...(rgba ? { rgba } : {}),
            width,
            height,
            eta,
            seed,
            ...(quick ? { quick } : {}),
          })),
        },
      });
    }
  }

  inserted(editId: string, count: number, sourceMissing: boolean): void {
    this.settleInsert(editId);
    const text = sourceMissing
      ? `Inserted ${count} where the deleted layer was.`
      : `Inserted ${count} variant${count === 1 ? '' : 's'} above the layer.`;
    notice(this.ctx, text);
    this.ctx.store.update({ chosen: new Set() });
  }

  insertFailed(editId: string, message: string): void {
    this.settleInsert(editId);
    notice(this.ctx, message, true);
  }

  reopen(sourceId: string, editId: string): void {
    const { store } = this.ctx;
    const item = store.state.selection.find((i) => i.id === sourceId);
    const saved = item?.savedEdits.find((e) => e.editId === editId);
    if (item === undefined || saved === undefined) return;
    this.renders.resetAll();
    const run = newRun(
      this.nextRunId++,
      { id: item.id, name: item.name, pageId: item.pageId, frame: item.frame },
      saved.prompt,
      editId,
    );
    store.update({ runs: [run], chosen: new Set(), prompt: saved.prompt, notice: null });
    this.renders.renderNow(run, store.state.eta);
  }

  async deleteAsync(sourceId: string, editId: string): Promise<void> {
    try {
      await requireService(this.ctx).deleteEditAsync(editId);
    } catch (err) {
      // Gone already is what we wanted; anything else is worth telling.
      if (!(err instanceof DaemonRequestError && err.code === 'EDIT_NOT_FOUND'))
        return notice(this.ctx, describeError(err), true);
    }
    this.ctx.link.post({ type: 'edit.forget', sourceId, editId });
    this.ctx.store.update((s) => ({ runs: s.runs.filter((r) => r.editId !== editId) }));
    await this.refreshAsync();
  }

  private settleInsert(editId: string): void {
    this.pendingInserts.delete(editId);
    if (this.pendingInserts.size === 0) this.ctx.store.update({ busy: null });
  }
}
