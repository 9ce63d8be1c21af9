// Renders of edits the panel holds: re-renders of trained Imagic edits (`edit.render`, stage 3 only) and quick edits
// (each render a new `edit.start` in mode quick of the layer it keeps). Live previews while the edit-strength slider
// moves, the full grid when it is released or the seeds/η rows change. One latest-wins scheduler per run.
import type { JobEvent } from '../daemon/edit-service.ts';
import { DaemonRequestError } from '../daemon/daemon-client.ts';
import { LatestWins, type RenderRequest } from '../state/live-preview.ts';
import { regionOf, type EditRun } from '../state/panel-state.ts';
import { PRESETS, previewSteps } from '../state/presets.ts';
import { quickRequest } from '../state/quick.ts';
import { keepChosen } from '../state/runs.ts';
import { describeError, findRun, notice, requireService, samplingFor, updateRun, type AppContext } from './context.ts';
import type { JobInfo } from './job-registry.ts';
import { toVariantAsync, toVariantsAsync } from './outputs.ts';

/** Keyboard steps on the slider fire `change` on every press; wait this long for the last one. */
const COMMIT_DELAY_MS = 250;

export class RenderController {
  private readonly schedulers = new Map<number, LatestWins>();
  private commitTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly ctx: AppContext) {}

  /** The slider moves (η, or a quick edit's strength): a few-step preview of the first edit that renders. */
  preview(value: number): void {
    this.clearCommit();
    const run = this.slid().at(0);
    if (run !== undefined) this.schedulerFor(run).request({ kind: 'preview', value });
  }

  /** The slider was released (or the grid settings changed): full renders of every edit that renders. */
  commit(value: number, delayMs = COMMIT_DELAY_MS): void {
    this.clearCommit();
    this.commitTimer = setTimeout(() => {
      this.commitTimer = null;
      for (const run of this.slid()) this.schedulerFor(run).request({ kind: 'full', value });
    }, delayMs);
  }

  /** The designer grows, shrinks (`growPx` step) or switches off (null) a run's automatic region: render it again. */
  adjustRegion(runId: number, step: number | null, value: number): void {
    const run = findRun(this.ctx, runId);
    if (run === undefined || run.autoRegion === null) return;
    updateRun(this.ctx, runId, {
      autoRegion: step === null ? null : { growPx: run.autoRegion.growPx + step },
      ...(step === null ? { maskPng: null } : {}),
    });
    const updated = findRun(this.ctx, runId);
    if (updated !== undefined && renders(updated)) this.schedulerFor(updated).request({ kind: 'full', value });
  }

  /** Renders one run right away (a reopened edit, a new quick edit). */
  renderNow(run: EditRun, value: number): void {
    this.schedulerFor(run).request({ kind: 'full', value });
  }

  resetAll(): void {
    this.clearCommit();
    for (const scheduler of this.schedulers.values()) scheduler.reset();
    this.schedulers.clear();
  }

  handle(event: JobEvent, info: JobInfo): void {
    const jobId = event.type === 'result' ? event.result.jobId : event.jobId;
    if (event.type === 'progress') {
      if (info.kind === 'full')
        updateRun(this.ctx, info.runId, { status: 'rendering', progress: event.progress, queuePosition: null });
      return;
    }
    this.ctx.registry.remove(jobId);
    const isCurrent = this.schedulers.get(info.runId)?.finished(jobId) ?? false;
    const settle = () =>
      updateRun(this.ctx, info.runId, (run) =>
        run.status === 'rendering' && !this.busy(info.runId) ? { status: 'ready', progress: null } : {},
      );
    if (event.type === 'error') {
      settle();
      if (isCurrent && event.code !== 'CANCELLED' && event.code !== 'SUPERSEDED')
        notice(this.ctx, `Re-render failed: ${describeError(new DaemonRequestError(event.code, event.message))}`, true);
      return;
    }
    if (!isCurrent) return settle();
    const quick = info.strength === undefined ? undefined : { strength: info.strength };
    if (quick) updateRun(this.ctx, info.runId, { editId: event.result.editId });
    const found = event.result.mask;
    if (found) updateRun(this.ctx, info.runId, { maskPng: found.png });
    if (info.kind === 'preview') {
      const [output] = event.result.outputs;
      if (output === undefined) return settle();
      toVariantAsync(info.runId, output, quick).then(
        (variant) => updateRun(this.ctx, info.runId, { preview: { ...variant, steps: info.steps } }),
        (err: unknown) => notice(this.ctx, describeError(err), true),
      );
      return settle();
    }
    toVariantsAsync(info.runId, event.result.outputs, quick).then(
      (variants) => {
        updateRun(this.ctx, info.runId, (run) => ({
          variants,
          preview: null,
          ...(this.busy(run.id) ? {} : { status: 'ready', progress: null }),
        }));
        this.ctx.store.update((s) => ({ chosen: keepChosen(s.chosen, s.runs) }));
      },
      (err: unknown) => notice(this.ctx, describeError(err), true),
    );
  }

  /** The runs the slider now moves: quick edits in quick mode (its value a strength), else Imagic ones (η). */
  private slid(): EditRun[] {
    const { runs, mode } = this.ctx.store.state;
    return runs.filter((run) => run.mode === mode && renders(run));
  }

  private busy(runId: number): boolean {
    return this.schedulers.get(runId)?.busy ?? false;
  }

  private schedulerFor(run: EditRun): LatestWins {
    let scheduler = this.schedulers.get(run.id);
    if (scheduler === undefined) {
      scheduler = new LatestWins({
        startAsync: (request) => this.startAsync(run.id, request),
        cancel: (jobId) => {
          this.ctx
            .service()
            ?.cancelAsync(jobId)
            .catch((err: unknown) => console.warn('Imagic UI: cancel failed', err));
        },
        onStartFailed: (_request, err) => {
          updateRun(this.ctx, run.id, (r) => (r.status === 'rendering' ? { status: 'ready', progress: null } : {}));
          notice(this.ctx, `Re-render failed: ${describeError(err)}`, true);
        },
      });
      this.schedulers.set(run.id, scheduler);
    }
    return scheduler;
  }

  private async startAsync(runId: number, request: RenderRequest): Promise<string> {
    const run = findRun(this.ctx, runId);
    if (run === undefined || !renders(run)) throw new Error('this edit is not trained yet');
    const state = this.ctx.store.state;
    const steps = request.kind === 'preview' ? previewSteps(PRESETS[state.preset].steps) : PRESETS[state.preset].steps;
    const options = { grid: request.kind === 'full', steps };
    const service = requireService(this.ctx);
    const job =
      run.upload !== null
        ? await service.startEditAsync(
            run.upload,
            quickRequest(state, run.prompt, this.ctx.seeds, request.value, options),
            regionOf(run),
          )
        : await service.renderAsync(
            run.editId!,
            samplingFor(state, this.ctx.seeds, request.value, options),
            regionOf(run),
          );
    this.ctx.registry.add(job.jobId, {
      runId,
      kind: request.kind,
      steps,
      ...(run.upload !== null ? { strength: request.value } : {}),
    });
    if (request.kind === 'full')
      updateRun(this.ctx, runId, { status: 'rendering', queuePosition: job.position, progress: null });
    return job.jobId;
  }

  private clearCommit(): void {
    if (this.commitTimer !== null) clearTimeout(this.commitTimer);
    this.commitTimer = null;
  }
}

/** Whether a run can render now: a trained Imagic edit, or a quick edit (which keeps its layer). */
const renders = (run: EditRun): boolean => run.upload !== null || (run.trained && run.editId !== null);
