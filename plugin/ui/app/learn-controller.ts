// Learning a word from the selection (Textual Inversion): export the selected layers, upload them with `learn.start`,
// follow the job's progress, cancel it, and when it is done have the panel read the model's words again, so the new
// word is offered in the prompt box. One learn job at a time per panel.
import { DaemonRequestError } from '../daemon/daemon-client.ts';
import type { JobEvent } from '../daemon/edit-service.ts';
import { learnBlocker, type LearnState } from '../state/learn.ts';
import { describeError, notice, requireService, type AppContext } from './context.ts';
import type { SelectionExport } from './selection-export.ts';

export class LearnController {
  constructor(
    private readonly ctx: AppContext,
    private readonly selection: SelectionExport,
    /** Told when a word was learned: the model's prompts changed (status). */
    private readonly onLearned: () => void,
  ) {}

  private update(patch: Partial<LearnState>): void {
    this.ctx.store.update((s) => ({ learn: { ...s.learn, ...patch } }));
  }

  changed(patch: Pick<Partial<LearnState>, 'token' | 'initWord' | 'kind' | 'classWord'>): void {
    this.update(patch);
  }

  async startAsync(): Promise<void> {
    const state = this.ctx.store.state;
    const blocker = learnBlocker(state.learn, {
      connected: state.connection.kind === 'connected',
      hasModel: state.companion?.hasModel !== false,
      selected: state.selection.length,
    });
    if (blocker !== null) return notice(this.ctx, blocker, true);
    const token = state.learn.token.trim();
    const initWord = state.learn.initWord.trim();
    this.update({ status: 'exporting', jobId: null, progress: null, message: null });
    try {
      const sources = await this.selection.exportAsync('learn');
      const job = await requireService(this.ctx).startLearnAsync(
        sources.map((s) => s.image),
        {
          token,
          initWord,
          kind: state.learn.kind,
          ...(state.learn.kind === 'adapter' ? { classWord: state.learn.classWord.trim() } : {}),
          // The model the panel shows, as for edits.
          ...(state.companion?.modelId ? { model: state.companion.modelId } : {}),
        },
      );
      this.update({ status: 'queued', jobId: job.jobId });
    } catch (err) {
      this.update({ status: 'failed', message: describeError(err) });
    }
  }

  cancel(): void {
    const { status, jobId } = this.ctx.store.state.learn;
    if (status === 'exporting') this.selection.failed('Cancelled.');
    if (jobId === null) return;
    this.ctx
      .service()
      ?.cancelAsync(jobId)
      .catch((err: unknown) => notice(this.ctx, describeError(err), true));
  }

  /** After a reconnect: asks about a job whose events this panel may have missed. */
  reattach(): void {
    const { status, jobId } = this.ctx.store.state.learn;
    if (jobId === null || (status !== 'queued' && status !== 'running')) return;
    this.ctx
      .service()
      ?.fetchJobAsync(jobId)
      .catch((err: unknown) =>
        this.update({ status: 'failed', message: `Lost track of the job: ${describeError(err)}` }),
      );
  }

  handle(event: JobEvent): void {
    const jobId = event.type === 'result' ? event.result.jobId : event.jobId;
    if (jobId !== this.ctx.store.state.learn.jobId) return;
    switch (event.type) {
      case 'progress':
        return this.update({ status: 'running', progress: event.progress });
      case 'error':
        return this.update({
          status: event.code === 'CANCELLED' ? 'cancelled' : 'failed',
          progress: null,
          message:
            event.code === 'CANCELLED'
              ? 'Cancelled.'
              : describeError(new DaemonRequestError(event.code, event.message)),
        });
      case 'result': {
        const word = event.result.learned?.token ?? this.ctx.store.state.learn.token.trim();
        this.update({
          status: 'done',
          progress: null,
          message: `Learned ${word}: type it in any prompt, e.g. “a ${word} on a poster”.`,
        });
        this.onLearned();
      }
    }
  }
}
