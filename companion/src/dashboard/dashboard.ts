// The dashboard page: gets the pairing code (from the companion when the browser vouches that this is its own
// page, else pasted by the user), connects as client "dashboard" through the panel's own daemon client
// (plugin/ui/daemon/daemon-client.ts: pairing, the protocol's parser, reconnects), and polls status, edits, models and
// jobs.
import type { SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import type { MessageOf, ServerMessage } from '../../../shared/src/protocol/messages.ts';
import type { ConnectionState } from '../../../plugin/ui/daemon/connection-state.ts';
import { DaemonClient, type RequestBody } from '../../../plugin/ui/daemon/daemon-client.ts';
import * as views from './views.ts';

declare const IMAGIC_VERSION: string;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const STATUS_EVERY_MS = 1000;
const LISTS_EVERY_MS = 4000;
const PASTED_KEY = 'imagic-pairing-code';

/** The pill's word for each connection state. */
const CONNECTION_WORDS: Readonly<Record<ConnectionState['status'], views.ConnectionWord>> = {
  idle: 'connecting',
  connecting: 'connecting',
  pairing: 'connecting',
  ready: 'connected',
  waiting: 'disconnected',
  failed: 'refused',
  closed: 'disconnected',
};

async function fetchTokenAsync(): Promise<string> {
  const res = await fetch('/api/dashboard-token', { headers: { 'X-Imagic-Dashboard': '1' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`the companion answered ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}

function askForCode(reason?: string): void {
  $('main').hidden = true;
  $('pair-form').hidden = false;
  if (reason) views.connectionState(reason);
  $('paste-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const code = $<HTMLInputElement>('paste-code').value.trim();
    if (!code) return;
    sessionStorage.setItem(PASTED_KEY, code);
    location.reload();
  });
}

function downloadBlob(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** A reply of the type a request expects. */
function reply<T extends ServerMessage['type']>(message: ServerMessage, type: T): MessageOf<ServerMessage, T> {
  if (message.type !== type) throw new Error(`expected ${type}, the companion answered ${message.type}`);
  return message as MessageOf<ServerMessage, T>;
}

function run(token: string): void {
  $('pair-form').hidden = true;
  $('main').hidden = false;
  const auth = { Authorization: `Bearer ${token}` };
  const client = new DaemonClient({
    url: `ws://${location.host}/ws`,
    token,
    client: 'dashboard',
    clientVersion: typeof IMAGIC_VERSION === 'string' ? IMAGIC_VERSION : 'dashboard',
  });
  client.onStateChange((state) => {
    views.connectionState(CONNECTION_WORDS[state.status]);
    // A wrong or rate-limited code will not get better by retrying: stop and let the page ask for one.
    if (state.status === 'failed') {
      client.close();
      sessionStorage.removeItem(PASTED_KEY);
      askForCode(`refused: ${state.code}`);
    }
  });
  client.connect();
  const request = (body: RequestBody) => client.requestAsync(body);

  const blobUrl = (url: string) =>
    fetch(url, { headers: auth, cache: 'no-store' })
      .then((res) => (res.ok ? res.blob() : Promise.reject(new Error(String(res.status)))))
      .then((blob) => URL.createObjectURL(blob));
  /** Fetched once per key; a failed fetch is forgotten, so the next render tries again. */
  const cached = (cache: Map<string, Promise<string>>, key: string, url: string): Promise<string> => {
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = blobUrl(url);
      hit.catch(() => cache.delete(key));
      cache.set(key, hit);
    }
    return hit;
  };
  const thumbnails = new Map<string, Promise<string>>();
  const thumbnail = (editId: string) => cached(thumbnails, editId, `/api/edits/${editId}/thumbnail`);

  // A result's thumbnail is fetched once per (edit, index, η, seed): a re-render with a new seed gets a new one.
  const resultThumbnails = new Map<string, Promise<string>>();
  type Results = views.EditResultsView & { readonly sampling: SamplingSettings };
  const results = async (editId: string): Promise<Results> => {
    const res = await fetch(`/api/edits/${editId}/results`, { headers: auth, cache: 'no-store' });
    if (!res.ok) throw new Error(String(res.status));
    const body = (await res.json()) as Omit<Results, 'thumbnail'>;
    const thumbnailOf = (o: { index: number; eta: number; seed: number }) =>
      cached(
        resultThumbnails,
        `${editId}/${o.index}/${o.eta}/${o.seed}`,
        `/api/edits/${editId}/results/${o.index}/thumbnail`,
      );
    return { ...body, thumbnail: thumbnailOf };
  };
  // Re-render: one new seed at the edit strengths and steps the edit was rendered with.
  const rendering = new Set<string>();
  const reRender = async (editId: string) => {
    rendering.add(editId);
    try {
      const { sampling } = await results(editId);
      const seed = crypto.getRandomValues(new Uint32Array(1))[0]! % 100000;
      const { etas, steps, sampler, guidanceScale, lateAdapters } = sampling;
      const job = reply(
        await request({
          type: 'edit.render',
          editId,
          sampling: {
            etas,
            seeds: [seed],
            steps,
            sampler,
            ...(guidanceScale === undefined ? {} : { guidanceScale }),
            ...(lateAdapters ? { lateAdapters } : {}),
          },
        }),
        'job.queued',
      );
      await waitForJob(job.jobId);
    } finally {
      rendering.delete(editId);
      await refreshAll().catch(() => undefined);
    }
  };
  const waitForJob = async (jobId: string) => {
    for (;;) {
      const { jobs } = reply(await request({ type: 'jobs.list' }), 'jobs.list.result');
      const job = jobs.find((j) => j.jobId === jobId);
      if (!job || job.state === 'done' || job.state === 'failed') return;
      await new Promise((resolve) => setTimeout(resolve, LISTS_EVERY_MS / 2));
    }
  };

  const refreshStatus = async () => {
    const s = reply(await request({ type: 'status' }), 'status.result');
    views.status(s);
    views.errors(s.recentErrors ?? []);
  };
  const refreshLists = async () => {
    const [edits, models, jobs] = await Promise.all([
      request({ type: 'edits.list' }).then((m) => reply(m, 'edits.list.result')),
      request({ type: 'models.list' }).then((m) => reply(m, 'models.list.result')),
      request({ type: 'jobs.list' }).then((m) => reply(m, 'jobs.list.result')),
    ]);
    views.edits(edits.edits, {
      thumbnail,
      results,
      busy: rendering,
      onRender: (editId) => void reRender(editId),
      onDelete: (editId) => void act({ type: 'edit.delete', editId }),
    });
    views.models(models.models, models.modelsDir, {
      onDefault: (modelId) => void act({ type: 'models.default', modelId }),
    });
    views.jobs(jobs.jobs);
  };
  const refreshAll = () => Promise.all([refreshStatus(), refreshLists()]);
  // Actions refresh everything at once, so the page shows their effect without waiting for the next poll.
  const act = async (body: RequestBody) => {
    try {
      await request(body);
    } finally {
      await refreshAll().catch(() => undefined);
    }
  };
  const poll = (fn: () => Promise<unknown>, ms: number) => {
    const tick = (): void =>
      void fn()
        .catch(() => undefined)
        .finally(() => setTimeout(tick, ms));
    tick();
  };
  poll(refreshStatus, STATUS_EVERY_MS);
  poll(refreshLists, LISTS_EVERY_MS);

  $('queue-toggle').addEventListener(
    'click',
    (event) =>
      void act({
        type: (event.currentTarget as HTMLElement).dataset['paused'] === 'true' ? 'queue.resume' : 'queue.pause',
      }),
  );
  $('job-cancel').addEventListener('click', () => {
    const jobId = $('current-job').dataset['jobId'];
    if (jobId) void act({ type: 'job.cancel', jobId });
  });
  $('code-reveal').addEventListener('click', () => {
    const shown = $('pairing-code').textContent === token;
    $('pairing-code').textContent = shown ? '••••••••' : token;
    $('code-reveal').textContent = shown ? 'Show' : 'Hide';
  });
  $('code-copy').addEventListener('click', () => {
    void navigator.clipboard.writeText(token).then(() => {
      $('code-copied').hidden = false;
      setTimeout(() => ($('code-copied').hidden = true), 2000);
    });
  });
  $('diagnostics').addEventListener('click', () => {
    void fetch('/api/diagnostics', { headers: auth, cache: 'no-store' }).then(async (res) => {
      const name =
        /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? 'imagic-diagnostics.json';
      downloadBlob(await res.blob(), name);
    });
  });
}

const pasted = sessionStorage.getItem(PASTED_KEY);
if (pasted) run(pasted);
else fetchTokenAsync().then(run, () => askForCode('needs the pairing code'));
