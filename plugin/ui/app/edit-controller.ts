// Starting edits: export the selection, upload each source and start its edit (stages 1–3), follow progress, turn
// results into variants, cancel. Re-renders belong to RenderController; this class routes their events there.
import type { ExportedSource, SourceImage } from '../../../shared/src/bridge/messages.ts';
import { DaemonRequestError } from '../daemon/daemon-client.ts';
import type { JobEvent } from '../daemon/edit-service.ts';
import { encodePngAsync } from '../image/png-encode.ts';
import { randomSeed } from '../image/random-id.ts';
import { subjectField } from '../state/learn.ts';
import { editBlocker, regionOf } from '../state/panel-state.ts';
import { PRESETS, previewSteps, WORKING_RESOLUTION_PX } from '../state/presets.ts';
import { rememberPrompt } from '../state/recent-prompts.ts';
import { keepChosen, newRun } from '../state/runs.ts';
import { resolveSeeds } from '../state/seeds.ts';
import { describeError, findRun, notice, requireService, samplingFor, updateRun, type AppContext } from './context.ts';
import { toVariantsAsync } from './outputs.ts';
import type { RenderController } from './render-controller.ts';
import type { SelectionExport } from './selection-export.ts';

export class EditController {
  private nextRunId = 1;

  constructor(
    private readonly ctx: AppContext,
    private readonly renders: RenderController,
    private readonly selection: SelectionExport,
    private readonly onTrained: () => void,
  ) {}

  async startAsync(): Promise<void> {
    const { store, link } = this.ctx;
    const state = store.state;
    const blocker = editBlocker(state);
    if (blocker !== null || !state.seeds.ok) return notice(this.ctx, blocker ?? 'Check the seeds.', true);
    const prompt = state.prompt.trim();
    const recentPrompts = rememberPrompt(state.recentPrompts, prompt);
    link.post({ type: 'prompts.save', prompts: recentPrompts });
    this.renders.resetAll();
    this.ctx.seeds = resolveSeeds(state.seeds.spec, randomSeed);
    store.update({ recentPrompts, runs: [], chosen: new Set(), busy: 'exporting', notice: null });

    let sources: ExportedSource[];
    try {
      sources = await this.selection.exportAsync('edit');
    } catch (err) {
      return store.update({ busy: null, notice: { text: describeError(err), isError: true } });
    }
    const befores = await Promise.all(sources.map((source) => asPng(source.image)));
    const quick = state.mode === 'quick';
    const runs = sources.map((source, i) =>
      newRun(
        this.nextRunId++,
        { id: source.id, name: source.name, pageId: source.pageId, frame: source.frame },
        prompt,
        null,
        befores[i]!,
        quick ? source.image : null,
        source.mask ?? null,
        state.autoMask,
      ),
    );
    store.update({ busy: null, runs });
    const masked = sources.filter((s) => s.mask !== undefined).map((s) => `“${s.name}”`);
    if (masked.length > 0)
      notice(
        this.ctx,
        `Editing ${masked.join(', ')} only inside the selected shape or selection; the rest stays exactly.`,
      );
    const scaled = sources.filter((s) => s.scaledFrom !== null);
    if (scaled.length > 0)
      notice(
        this.ctx,
        scaled
          .map(
            (s) =>
              `“${s.name}” is ${s.scaledFrom?.width}×${s.scaledFrom?.height} px; it was sent at ${s.image.width}×${s.image.height}, the companion's limit.`,
          )
          .join(' '),
      );

    // A quick edit trains nothing: each run is rendered, and re-rendered as the slider moves, by RenderController.
    if (quick) {
      for (const run of runs) this.renders.renderNow(run, state.strength);
      return;
    }
    // One after the other: each upload must reach the companion right before the edit.start that names it.
    for (const [i, source] of sources.entries()) {
      const run = runs[i];
      if (run === undefined || findRun(this.ctx, run.id)?.status !== 'uploading') continue;
      try {
        const job = await requireService(this.ctx).startEditAsync(
          source.image,
          {
            prompt,
            preset: state.preset,
            fineTune: PRESETS[state.preset].fineTune,
            // First look sooner: the edit itself samples one quick preview at the chosen strength, so it shows the moment
            // training ends; the full grid is asked for as a re-render when it arrives (handle, 'result').
            sampling: samplingFor(state, this.ctx.seeds, state.eta, {
              grid: false,
              steps: previewSteps(PRESETS[state.preset].steps),
            }),
            workingResolutionPx: WORKING_RESOLUTION_PX,
            // The model the panel shows, so that a default changed meanwhile does not change this edit.
            ...(state.companion?.modelId ? { model: state.companion.modelId } : {}),
            ...subjectField(state),
          },
          regionOf(run),
        );
        this.ctx.registry.add(job.jobId, { runId: run.id, kind: 'train', steps: PRESETS[state.preset].steps });
        updateRun(this.ctx, run.id, { editId: job.editId, status: 'queued', queuePosition: job.position });
        link.post({ type: 'edit.remember', sourceId: source.id, edit: { editId: job.editId, prompt } });
      } catch (err) {
        updateRun(this.ctx, run.id, {
          status: 'failed',
          error: `“${source.name}” could not start: ${describeError(err)}`,
        });
      }
    }
  }

  cancel(): void {
    this.selection.failed('Cancelled.');
    this.renders.resetAll();
    const service = this.ctx.service();
    for (const [jobId, info] of this.ctx.registry.active()) {
      if (info.kind !== 'train') continue;
      service?.cancelAsync(jobId).catch((err: unknown) => notice(this.ctx, describeError(err), true));
    }
    this.ctx.store.update((s) => ({
      runs: s.runs.map((r) =>
        r.status === 'uploading' ? { ...r, status: 'cancelled' as const, error: 'Cancelled.' } : r,
      ),
    }));
  }

  /** After a reconnect: asks the companion about jobs whose events this panel may have missed. */
  reattach(): void {
    const service = this.ctx.service();
    if (service === null) return;
    for (const [jobId, info] of this.ctx.registry.active()) {
      service.fetchJobAsync(jobId).catch((err: unknown) => {
        this.ctx.registry.remove(jobId);
        if (info.kind === 'train')
          updateRun(this.ctx, info.runId, { status: 'failed', error: `Lost track of the edit: ${describeError(err)}` });
      });
    }
  }

  handle(event: JobEvent): void {
    const jobId = event.type === 'result' ? event.result.jobId : event.jobId;
    const info = this.ctx.registry.get(jobId);
    if (info === undefined) return;
    if (info.kind !== 'train') return this.renders.handle(event, info);
    switch (event.type) {
      case 'progress':
        return updateRun(this.ctx, info.runId, (run) => ({
          status: run.trained ? run.status : 'training',
          progress: event.progress,
          queuePosition: null,
        }));
      case 'error':
        this.ctx.registry.remove(jobId);
        return updateRun(this.ctx, info.runId, {
          status: event.code === 'CANCELLED' ? 'cancelled' : 'failed',
          progress: null,
          error:
            event.code === 'CANCELLED'
              ? 'Cancelled.'
              : describeError(new DaemonRequestError(event.code, event.message)),
        });
      case 'result':
        this.ctx.registry.remove(jobId);
        toVariantsAsync(info.runId, event.result.outputs).then(
          ([first]) => {
            const steps = previewSteps(PRESETS[this.ctx.store.state.preset].steps);
            updateRun(this.ctx, info.runId, {
              status: 'ready',
              trained: true,
              progress: null,
              preview: first === undefined ? null : { ...first, steps },
              editId: event.result.editId,
              ...(event.result.mask ? { maskPng: event.result.mask.png } : {}),
            });
            this.ctx.store.update((s) => ({ chosen: keepChosen(s.chosen, s.runs) }));
            const run = findRun(this.ctx, info.runId);
            if (run !== undefined) this.renders.renderNow(run, this.ctx.store.state.eta);
            this.onTrained();
          },
          (err: unknown) =>
            updateRun(this.ctx, info.runId, { status: 'failed', progress: null, error: describeError(err) }),
        );
    }
  }
}

/** The layer as PNG bytes, to show beside its variants (Photoshop sends raw RGBA). */
const asPng = (image: SourceImage): Promise<Uint8Array> =>
  image.format === 'png' ? Promise.resolve(image.bytes) : encodePngAsync(image.bytes, image.width, image.height);
