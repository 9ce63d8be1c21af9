// Rendering: data in, DOM out. Everything from the companion is written with textContent, never as HTML.
import type { EditSummary, MessageOf, ServerMessage } from '../../../shared/src/protocol/messages.ts';

type Status = MessageOf<ServerMessage, 'status.result'>;
type Model = MessageOf<ServerMessage, 'models.list.result'>['models'][number];
type Job = MessageOf<ServerMessage, 'jobs.list.result'>['jobs'][number];
type RecentError = NonNullable<Status['recentErrors']>[number];

/** An edit's latest results, as GET /api/edits/<id>/results answers, with a thumbnail for each. */
export interface EditResultsView {
  readonly outputs: readonly { readonly index: number; readonly eta: number; readonly seed: number }[];
  readonly thumbnail: (output: { index: number; eta: number; seed: number }) => Promise<string>;
}

/** The page's connection, in the words its pill shows. */
export type ConnectionWord = 'connecting' | 'connected' | 'disconnected' | 'refused' | string;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`the dashboard page has no #${id}`);
  return node as T;
};

const STAGES: Readonly<Record<string, string>> = {
  encode: 'encoding',
  embed: 'stage 1: text embedding',
  finetune: 'stage 2: fine-tuning',
  sample: 'stage 3: sampling',
};

const el = (tag: string, text?: string, attrs: Record<string, string> = {}): HTMLElement => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
};

export const formatBytes = (n: number): string =>
  n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`;
const formatTime = (iso: string): string => new Date(iso).toLocaleString();

export function connectionState(state: ConnectionWord): void {
  const pill = $('connection');
  pill.dataset['state'] = state;
  pill.textContent = state;
}

export function status(s: Status): void {
  $('st-version').textContent = s.companionVersion;
  $('st-model').textContent = s.model.state === 'none' ? `none: ${s.model.hint}` : `${s.model.name} (${s.model.state})`;
  $('st-provider').textContent = s.executionProvider ?? 'not loaded yet';
  $('st-device').textContent = s.device ?? 'not loaded yet';
  $('st-queue').textContent =
    `${s.queue.running} running, ${s.queue.queued} waiting (limit ${s.queue.capacity})${s.paused ? ' · paused' : ''}`;
  $('st-lag').textContent = s.eventLoop
    ? `p50 ${s.eventLoop.p50Ms} ms · p99 ${s.eventLoop.p99Ms} ms (last ${s.eventLoop.windowS} s)`
    : '–';
  $('queue-toggle').textContent = s.paused ? 'Resume queue' : 'Pause queue';
  $('queue-toggle').dataset['paused'] = String(Boolean(s.paused));
  const job = s.currentJob ?? null;
  $('current-job').hidden = job === null;
  $('no-job').hidden = job !== null;
  if (job === null) return;
  $('current-job').dataset['jobId'] = job.jobId;
  $('job-title').textContent =
    job.kind === 'edit' ? `edit “${job.prompt ?? ''}”` : `re-render of ${job.editId.slice(0, 8)}`;
  const p = job.progress;
  $<HTMLProgressElement>('job-progress').value = p ? p.step / p.total : 0;
  const parts = p ? [`${STAGES[p.stage] ?? p.stage} ${p.step}/${p.total}`] : ['starting'];
  if (p?.loss !== undefined) parts.push(`loss ${p.loss.toPrecision(3)}`);
  if (p?.secondsLeft !== undefined) parts.push(`about ${Math.ceil(p.secondsLeft)} s left`);
  $('job-detail').textContent = parts.join(' · ');
}

const STATE_WORDS: Readonly<Record<string, string>> = { training: 'training…', ready: 'ready', failed: 'failed' };

/** An image once its URL resolves; until then (or if it never does) a labelled placeholder, never a broken image. */
function image(url: Promise<string>, alt: string, waiting: string): HTMLElement {
  const slot = el('span', waiting, { class: 'placeholder' });
  url.then(
    (src) => slot.replaceWith(el('img', undefined, { src, alt, title: alt })),
    () => (slot.textContent = 'not available'),
  );
  return slot;
}

export interface EditActions {
  readonly thumbnail: (editId: string) => Promise<string>;
  readonly results: (editId: string) => Promise<EditResultsView>;
  readonly onRender: (editId: string) => void;
  readonly onDelete: (editId: string) => void;
  readonly busy: ReadonlySet<string>;
}

/**
 * Each saved edit: its input → its latest results, the target text, its state, and Re-render (a new seed at the edit
 * strengths it was rendered with) and Delete.
 */
export function edits(
  list: readonly EditSummary[],
  { thumbnail, results, onRender, onDelete, busy }: EditActions,
): void {
  const ul = $('edits');
  ul.replaceChildren(
    ...list.map((edit) => {
      const li = el('li', undefined, { 'data-edit-id': edit.editId });
      const ready = edit.state === 'ready';
      const pair = el('div', undefined, { class: 'before-after' });
      pair.append(
        ready
          ? image(thumbnail(edit.editId), `input of “${edit.prompt}”`, 'input')
          : el('span', STATE_WORDS[edit.state] ?? edit.state, { class: 'placeholder' }),
      );
      if (ready) {
        const outputs = el('span', undefined, { class: 'results' });
        pair.append(el('span', '→', { 'aria-hidden': 'true' }), outputs);
        results(edit.editId).then(
          (r) => {
            if (r.outputs.length === 0) return outputs.append(el('span', 'not rendered yet', { class: 'placeholder' }));
            outputs.append(
              ...r.outputs.map((o) => image(r.thumbnail(o), `strength ${o.eta}, seed ${o.seed}`, `η ${o.eta}`)),
            );
          },
          () => outputs.append(el('span', 'results not available', { class: 'placeholder' })),
        );
      }
      const state = el('span', STATE_WORDS[edit.state] ?? edit.state, { class: 'state', 'data-state': edit.state });
      const actions = el('div', undefined, { class: 'actions' });
      if (ready) {
        const render = el('button', busy.has(edit.editId) ? 'Rendering…' : 'Re-render', {
          type: 'button',
          class: 'render',
          title: 'Another seed at the same edit strength',
        }) as HTMLButtonElement;
        render.disabled = busy.has(edit.editId);
        render.addEventListener('click', () => onRender(edit.editId));
        actions.append(render);
      }
      const del = el('button', 'Delete', { type: 'button', class: 'delete' });
      del.addEventListener('click', () => onDelete(edit.editId));
      actions.append(del);
      li.append(
        pair,
        el('strong', edit.prompt),
        el('span', `${edit.width}×${edit.height} · ${edit.preset} · ${formatTime(edit.createdAt)}`, { class: 'muted' }),
        state,
        actions,
      );
      return li;
    }),
  );
  $('edits-empty').hidden = list.length > 0;
}

export function models(
  list: readonly Model[],
  dir: string,
  { onDefault }: { onDefault: (modelId: string) => void },
): void {
  $('models-dir').textContent = dir;
  const body = $<HTMLTableElement>('models').tBodies[0]!;
  body.replaceChildren(
    ...list.map((m) => {
      const tr = el('tr', undefined, { 'data-model-id': m.modelId });
      const name = el('td', m.modelId);
      if (m.isDefault) name.append(el('span', 'default', { class: 'badge' }));
      const action = el('td');
      if (!m.isDefault) {
        const button = el('button', 'Make default', { type: 'button' });
        button.addEventListener('click', () => onDefault(m.modelId));
        action.append(button);
      }
      tr.append(name, el('td', formatBytes(m.bytes)), el('td', m.source ?? 'added by hand'), action);
      return tr;
    }),
  );
  if (list.length === 0) {
    const row = el('tr');
    row.append(el('td', 'No model installed.', { colspan: '4' }));
    body.append(row);
  }
}

export function jobs(list: readonly Job[]): void {
  $('jobs-empty').hidden = list.length > 0;
  $('jobs').replaceChildren(
    ...list.slice(0, 10).map((j) => {
      const what = j.kind === 'edit' ? `edit “${j.prompt ?? ''}”` : `re-render ${j.editId.slice(0, 8)}`;
      const state =
        j.state === 'failed'
          ? `failed (${j.error?.code})`
          : j.state === 'queued'
            ? `queued #${(j.position ?? 0) + 1}`
            : j.state;
      return el('li', `${formatTime(j.createdAt)} · ${what} · ${state}`, { 'data-job-id': j.jobId });
    }),
  );
}

export function errors(list: readonly RecentError[]): void {
  $('errors').replaceChildren(...list.map((e) => el('li', `${formatTime(e.at)} · ${e.code}: ${e.message}`)));
  $('errors-empty').hidden = list.length > 0;
}
