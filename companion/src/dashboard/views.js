// Rendering: data in, DOM out. Everything from the companion is written with textContent, never as HTML.
const $ = (id) => document.getElementById(id);

const STAGES = { encode: 'encoding', embed: 'stage 1: text embedding', finetune: 'stage 2: fine-tuning', sample: 'stage 3: sampling' };

const el = (tag, text, attrs = {}) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
};

export const formatBytes = (n) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${Math.round(n / 1e3)} kB`);
const formatTime = (iso) => new Date(iso).toLocaleString();

export function connectionState(state) {
  const pill = $('connection');
  pill.dataset.state = state;
  pill.textContent = state;
}

export function status(s) {
  $('st-version').textContent = s.companionVersion;
  $('st-model').textContent = s.model.state === 'none' ? `none: ${s.model.hint}` : `${s.model.name} (${s.model.state})`;
  $('st-provider').textContent = s.executionProvider ?? 'not loaded yet';
  $('st-device').textContent = s.device ?? 'not loaded yet';
  $('st-queue').textContent = `${s.queue.running} running, ${s.queue.queued} waiting (limit ${s.queue.capacity})${s.paused ? ' · paused' : ''}`;
  $('st-lag').textContent = s.eventLoop ? `p50 ${s.eventLoop.p50Ms} ms · p99 ${s.eventLoop.p99Ms} ms (last ${s.eventLoop.windowS} s)` : '–';
  $('queue-toggle').textContent = s.paused ? 'Resume queue' : 'Pause queue';
  $('queue-toggle').dataset.paused = String(Boolean(s.paused));
  const job = s.currentJob ?? null;
  $('current-job').hidden = job === null;
  $('no-job').hidden = job !== null;
  if (job === null) return;
  $('current-job').dataset.jobId = job.jobId;
  $('job-title').textContent = job.kind === 'edit' ? `edit “${job.prompt ?? ''}”` : `re-render of ${job.editId.slice(0, 8)}`;
  const p = job.progress;
  $('job-progress').value = p ? p.step / p.total : 0;
  const parts = p ? [`${STAGES[p.stage]} ${p.step}/${p.total}`] : ['starting'];
  if (p?.loss !== undefined) parts.push(`loss ${p.loss.toPrecision(3)}`);
  if (p?.secondsLeft !== undefined) parts.push(`about ${Math.ceil(p.secondsLeft)} s left`);
  $('job-detail').textContent = parts.join(' · ');
}

export function edits(list, { thumbnail, onDelete }) {
  const ul = $('edits');
  ul.replaceChildren(
    ...list.map((edit) => {
      const li = el('li', undefined, { 'data-edit-id': edit.editId });
      const img = el('img', undefined, { alt: `input of edit ${edit.editId.slice(0, 8)}` });
      if (edit.state === 'ready') thumbnail(edit.editId).then((url) => (img.src = url), () => img.remove());
      const del = el('button', 'Delete', { type: 'button', class: 'delete' });
      del.addEventListener('click', () => onDelete(edit.editId));
      li.append(img, el('strong', edit.prompt), el('span', `${edit.width}×${edit.height} · ${edit.preset} · ${edit.state}`, { class: 'muted' }), el('span', formatTime(edit.createdAt), { class: 'muted' }), del);
      return li;
    }),
  );
  $('edits-empty').hidden = list.length > 0;
}

export function models(list, dir, { onDefault }) {
  $('models-dir').textContent = dir;
  const body = $('models').tBodies[0];
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
  if (list.length === 0) body.append(el('tr')).append(el('td', 'No model installed.', { colspan: '4' }));
}

export function jobs(list) {
  $('jobs').replaceChildren(
    ...list.slice(0, 10).map((j) => {
      const what = j.kind === 'edit' ? `edit “${j.prompt ?? ''}”` : `re-render ${j.editId.slice(0, 8)}`;
      const state = j.state === 'failed' ? `failed (${j.error?.code})` : j.state === 'queued' ? `queued #${j.position + 1}` : j.state;
      return el('li', `${formatTime(j.createdAt)} · ${what} · ${state}`, { 'data-job-id': j.jobId });
    }),
  );
}

export function errors(list) {
  $('errors').replaceChildren(...list.map((e) => el('li', `${formatTime(e.at)} · ${e.code}: ${e.message}`)));
  $('errors-empty').hidden = list.length > 0;
}
