// Progress of the running job: stage, bar, step, loss and time left; or the queue position, or the error.
import { describeProgress } from '../state/job-progress.ts';
import { isActive, type EditRun, type PanelState } from '../state/panel-state.ts';
import { byId } from './dom.ts';

/** The run the progress bar follows: the first active one, else the last that failed or was cancelled. */
const followed = (runs: readonly EditRun[]): EditRun | undefined =>
  runs.find(isActive) ?? runs.filter((r) => r.status === 'failed' || r.status === 'cancelled').at(-1);

function describe(run: EditRun, queued: number): { label: string; percent: number | null; detail: string } {
  const more = queued > 1 ? ` (${queued - 1} more queued)` : '';
  if (run.status === 'failed' || run.status === 'cancelled')
    return { label: run.error ?? 'Cancelled.', percent: null, detail: '' };
  if (run.status === 'uploading') return { label: `Uploading “${run.source.name}”…`, percent: 0, detail: '' };
  if (run.progress === null) {
    const ahead =
      run.queuePosition !== null && run.queuePosition > 0 ? `${run.queuePosition} job(s) ahead` : 'starting';
    return { label: `Queued: ${ahead}${more}`, percent: 0, detail: '' };
  }
  const { label, percent, detail } = describeProgress(run.progress);
  return { label: `${run.status === 'rendering' ? 'Re-rendering · ' : ''}${label}${more}`, percent, detail };
}

export function progressView(doc: Document) {
  const section = byId(doc, 'progress-section', 'section');
  const label = byId(doc, 'progress-label', 'p');
  const bar = byId(doc, 'progress-bar', 'div');
  const fill = byId(doc, 'progress-fill', 'div');
  const detail = byId(doc, 'progress-detail', 'p');

  return {
    render({ runs, busy }: PanelState): void {
      const run = followed(runs);
      if (busy === 'exporting') {
        section.hidden = false;
        label.textContent = 'Reading the layer…';
        fill.style.width = '0%';
        detail.textContent = '';
        return;
      }
      section.hidden = run === undefined;
      if (run === undefined) return;
      const text = describe(run, runs.filter(isActive).length);
      label.textContent = text.label;
      label.classList.toggle('error', run.status === 'failed');
      label.classList.toggle('muted', run.status === 'cancelled');
      bar.hidden = text.percent === null;
      fill.style.width = `${text.percent ?? 0}%`;
      bar.setAttribute('aria-valuenow', String(text.percent ?? 0));
      detail.textContent = text.detail;
    },
  };
}
