// The dashboard page: gets the pairing code (from the companion when the browser vouches that this is its own
// page, else pasted by the user), connects as client "dashboard", and polls status, edits, models and jobs.
import { Connection } from './connection.js';
import * as views from './views.js';

const $ = (id) => document.getElementById(id);
const STATUS_EVERY_MS = 1000;
const LISTS_EVERY_MS = 4000;
const PASTED_KEY = 'imagic-pairing-code';

async function fetchTokenAsync() {
  const res = await fetch('/api/dashboard-token', { headers: { 'X-Imagic-Dashboard': '1' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`the companion answered ${res.status}`);
  return (await res.json()).token;
}

function askForCode(reason) {
  $('main').hidden = true;
  $('pair-form').hidden = false;
  if (reason) views.connectionState(reason);
  $('paste-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const code = $('paste-code').value.trim();
    if (!code) return;
    sessionStorage.setItem(PASTED_KEY, code);
    location.reload();
  });
}

function downloadBlob(blob, name) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

function run(token) {
  $('pair-form').hidden = true;
  $('main').hidden = false;
  const auth = { Authorization: `Bearer ${token}` };
  const conn = new Connection({
    url: `ws://${location.host}/ws`,
    token,
    version: 'dashboard',
    onState: views.connectionState,
    onRefused: (err) => {
      sessionStorage.removeItem(PASTED_KEY);
      askForCode(`refused: ${err.code ?? err.message}`);
    },
  });
  const thumbnails = new Map();
  const thumbnail = (editId) => {
    if (!thumbnails.has(editId)) {
      const url = fetch(`/api/edits/${editId}/thumbnail`, { headers: auth })
        .then((res) => (res.ok ? res.blob() : Promise.reject(new Error(String(res.status)))))
        .then((blob) => URL.createObjectURL(blob));
      url.catch(() => thumbnails.delete(editId));
      thumbnails.set(editId, url);
    }
    return thumbnails.get(editId);
  };

  // A result's thumbnail is fetched once per (edit, index, η, seed): a re-render with a new seed gets a new one.
  const resultThumbnails = new Map();
  const results = async (editId) => {
    const res = await fetch(`/api/edits/${editId}/results`, { headers: auth, cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    const body = await res.json();
    const thumbnail = (o) => {
      const key = `${editId}/${o.index}/${o.eta}/${o.seed}`;
      if (!resultThumbnails.has(key)) {
        const url = fetch(`/api/edits/${editId}/results/${o.index}/thumbnail`, { headers: auth, cache: 'no-store' })
          .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(String(r.status)))))
          .then((blob) => URL.createObjectURL(blob));
        url.catch(() => resultThumbnails.delete(key));
        resultThumbnails.set(key, url);
      }
      return resultThumbnails.get(key);
    };
    return { ...body, thumbnail };
  };
  // Re-render: one new seed at the edit strengths and steps the edit was rendered with.
  const rendering = new Set();
  const reRender = async (editId) => {
    rendering.add(editId);
    try {
      const { sampling } = await results(editId);
      const seed = crypto.getRandomValues(new Uint32Array(1))[0] % 100000;
      const { etas, steps, sampler, guidanceScale, lateAdapters } = sampling;
      const job = await conn.request({
        type: 'edit.render',
        editId,
        sampling: { etas, seeds: [seed], steps, sampler, guidanceScale, ...(lateAdapters ? { lateAdapters } : {}) },
      });
      await waitForJob(job.jobId);
    } finally {
      rendering.delete(editId);
      await refreshAll().catch(() => undefined);
    }
  };
  const waitForJob = async (jobId) => {
    for (;;) {
      const { jobs } = await conn.request({ type: 'jobs.list' });
      const job = jobs.find((j) => j.jobId === jobId);
      if (!job || job.state === 'done' || job.state === 'failed' || job.state === 'cancelled') return;
      await new Promise((resolve) => setTimeout(resolve, LISTS_EVERY_MS / 2));
    }
  };

  const refreshStatus = async () => {
    const s = await conn.request({ type: 'status' });
    views.status(s);
    views.errors(s.recentErrors ?? []);
  };
  const refreshLists = async () => {
    const [edits, models, jobs] = await Promise.all([
      conn.request({ type: 'edits.list' }),
      conn.request({ type: 'models.list' }),
      conn.request({ type: 'jobs.list' }),
    ]);
    views.edits(edits.edits, {
      thumbnail,
      results,
      busy: rendering,
      onRender: (editId) => void reRender(editId),
      onDelete: (editId) => act({ type: 'edit.delete', editId }),
    });
    views.models(models.models, models.modelsDir, { onDefault: (modelId) => act({ type: 'models.default', modelId }) });
    views.jobs(jobs.jobs);
  };
  const refreshAll = () => Promise.all([refreshStatus(), refreshLists()]);
  // Actions refresh everything at once, so the page shows their effect without waiting for the next poll.
  const act = async (request) => {
    try {
      await conn.request(request);
    } finally {
      await refreshAll().catch(() => undefined);
    }
  };
  const poll = (fn, ms) => {
    const tick = () =>
      fn()
        .catch(() => undefined)
        .finally(() => setTimeout(tick, ms));
    tick();
  };
  poll(refreshStatus, STATUS_EVERY_MS);
  poll(refreshLists, LISTS_EVERY_MS);

  views.connectionState('connecting');
  $('queue-toggle').addEventListener('click', (event) =>
    act({ type: event.currentTarget.dataset.paused === 'true' ? 'queue.resume' : 'queue.pause' }),
  );
  $('job-cancel').addEventListener('click', () => act({ type: 'job.cancel', jobId: $('current-job').dataset.jobId }));
  $('code-reveal').addEventListener('click', () => {
    const shown = $('pairing-code').textContent === token;
    $('pairing-code').textContent = shown ? '••••••••' : token;
    $('code-reveal').textContent = shown ? 'Show' : 'Hide';
  });
  $('code-copy').addEventListener('click', async () => {
    await navigator.clipboard.writeText(token);
    $('code-copied').hidden = false;
    setTimeout(() => ($('code-copied').hidden = true), 2000);
  });
  $('diagnostics').addEventListener('click', async () => {
    const res = await fetch('/api/diagnostics', { headers: auth, cache: 'no-store' });
    const name =
      /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? 'imagic-diagnostics.json';
    downloadBlob(await res.blob(), name);
  });
}

const pasted = sessionStorage.getItem(PASTED_KEY);
if (pasted) run(pasted);
else fetchTokenAsync().then(run, () => askForCode('needs the pairing code'));
