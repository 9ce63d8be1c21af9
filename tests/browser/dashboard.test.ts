// The dashboard in real headless Chromium against the real daemon (tiny model, real engine): it pairs by itself,
// shows status, the pairing code, saved edits with thumbnails, models, jobs and errors; its buttons pause the
// queue, cancel the running job, delete an edit, change the default model and download diagnostics. A page from
// another origin gets neither the pairing code nor a WebSocket.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/src/protocol/messages.ts';
import {
  installTinyModelAsync,
  pairAsync,
  startTestDaemonAsync,
  type Inbox,
  type TestDaemon,
} from '../integration/support/daemon-harness.ts';
import { fastEditRequest, ofType, uploadAsync } from '../integration/support/edit-fixtures.ts';
import { launchAsync, skipBrowserTests } from './support/chromium.ts';

const skip = skipBrowserTests();
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const poll = <T>(read: () => Promise<T>, timeout = 15_000) => expect.poll(read, { timeout, interval: 100 });

let daemon: TestDaemon;
let inbox: Inbox;
let browser: Awaited<ReturnType<typeof launchAsync>>;
let page: Page;
let editId: string;

beforeAll(async () => {
  if (skip) return;
  daemon = await startTestDaemonAsync({ withModel: true });
  await installTinyModelAsync(daemon.dataDir, 'tiny-b');
  inbox = await pairAsync(daemon);
  const queued = await inbox.requestAsync({
    type: 'edit.start',
    id: 'e',
    request: fastEditRequest(await uploadAsync(inbox)),
  });
  if (queued.type !== 'job.queued') throw new Error(JSON.stringify(queued));
  await inbox.untilAsync(ofType('job.result', queued.jobId));
  await inbox.nextFrameAsync();
  editId = queued.editId;
  browser = await launchAsync();
  page = await browser.context.newPage();
  await page.goto(daemon.url);
});
afterAll(async () => {
  inbox?.socket.close();
  await browser?.closeAsync();
  await daemon?.stopAsync();
});

const text = async (selector: string) => (await page.locator(selector).first().textContent())?.trim() ?? '';

describe.skipIf(skip)('the dashboard', () => {
  it('pairs by itself and shows status, the loaded model and the pairing code', async () => {
    await poll(() => text('#connection')).toBe('connected');
    await poll(() => text('#st-model')).toBe('tiny (ready)');
    expect(await text('#st-provider')).toBe('cpu');
    expect(await text('#st-lag')).toMatch(/^p50 [\d.]+ ms · p99 [\d.]+ ms/);
    expect(await text('#pairing-code')).not.toContain(daemon.token);
    await page.click('#code-reveal');
    expect(await text('#pairing-code')).toBe(daemon.token);
  });

  it('lists saved edits as input → results with their state, re-renders one with a new seed, and deletes one', async () => {
    const card = page.locator(`li[data-edit-id="${editId}"]`);
    const images = card.locator('img');
    await poll(() => images.count()).toBe(
      1 + fastEditRequest({ frameId: 'f', sha256: '0'.repeat(64), width: 48, height: 48 }).sampling.etas.length,
    );
    await poll(async () => images.first().evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(
      48,
    );
    expect(await images.first().getAttribute('alt')).toBe('input of “a photo of a cat”');
    // The results are the edit's outputs, not its input again.
    expect(await images.nth(1).getAttribute('alt')).toMatch(/^strength [\d.]+, seed \d+$/);
    expect(await card.locator('.state').textContent()).toBe('ready');
    expect(await card.textContent()).toContain('a photo of a cat');
    // An image box is the image's own size: no checkerboard frames an opaque layer.
    const box = await images
      .first()
      .evaluate((img: HTMLImageElement) => [img.clientWidth, img.clientHeight, img.naturalWidth, img.naturalHeight]);
    expect(box[0]! / box[1]!).toBeCloseTo(box[2]! / box[3]!, 2);

    const seedsBefore = await images.nth(1).getAttribute('alt');
    await card.locator('button.render').click();
    await poll(() => card.locator('button.render').textContent(), 60_000).toBe('Re-render');
    await poll(async () => (await card.locator('img').nth(1).getAttribute('alt')) !== seedsBefore, 30_000).toBe(true);

    await card.locator('button.delete').click();
    await poll(() => card.count()).toBe(0);
    expect(existsSync(path.join(daemon.dataDir, 'edits', editId))).toBe(false);
  });

  it('fits a 420 px window, answers /favicon.ico and says when there are no jobs yet', async () => {
    const narrow = await browser.context.newPage();
    await narrow.setViewportSize({ width: 420, height: 800 });
    await narrow.goto(daemon.url);
    await poll(() => narrow.locator('#models tbody tr').count()).toBeGreaterThan(0);
    expect(await narrow.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(420);
    await narrow.close();
    const icon = await fetch(new URL('/favicon.ico', daemon.url));
    expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    expect(await page.locator('#jobs-empty').isHidden()).toBe(true);
  });

  it('lists models and changes the default', async () => {
    await poll(() => page.locator('#models tbody tr').count()).toBe(2);
    expect(await text('#models-dir')).toBe(path.join(daemon.dataDir, 'models'));
    expect(await text('tr[data-model-id="tiny"]')).toContain('default');
    await page.locator('tr[data-model-id="tiny-b"] button').click();
    await poll(() => text('tr[data-model-id="tiny-b"]')).toContain('default');
    await page.locator('tr[data-model-id="tiny"] button').click();
    await poll(() => text('tr[data-model-id="tiny"]')).toContain('default');
  });

  it('pauses and resumes the queue (the tray action)', async () => {
    await page.click('#queue-toggle');
    await poll(async () => daemon.services.queue.isPaused).toBe(true);
    await poll(() => text('#queue-toggle')).toBe('Resume queue');
    expect(await text('#st-queue')).toContain('paused');
    await page.click('#queue-toggle');
    await poll(async () => daemon.services.queue.isPaused).toBe(false);
  });

  it('shows the running job with its progress and cancels it', async () => {
    const queued = await inbox.requestAsync({
      type: 'edit.start',
      id: 'long',
      request: fastEditRequest(await uploadAsync(inbox), { embedSteps: 3000 }),
    });
    if (queued.type !== 'job.queued') throw new Error(JSON.stringify(queued));
    await poll(() => text('#job-detail'), 30_000).toMatch(/^stage 1: text embedding \d+\/3000 · loss/);
    expect(Number(await page.locator('#job-progress').getAttribute('value'))).toBeGreaterThanOrEqual(0);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-running-job.png'), fullPage: true });
    await page.click('#job-cancel');
    const { message } = await inbox.untilAsync(ofType('job.error', queued.jobId));
    expect(message.code).toBe('CANCELLED');
    await poll(() => page.locator('#no-job').isVisible()).toBe(true);
    await poll(() => text(`#jobs li[data-job-id="${queued.jobId}"]`)).toContain('failed (CANCELLED)');
  });

  it('shows recent errors', async () => {
    const reply = await inbox.requestAsync({
      type: 'edit.render',
      id: 'bad',
      editId: 'f'.repeat(32),
      sampling: fastEditRequest(await uploadAsync(inbox)).sampling,
    });
    expect((reply as ServerMessage & { code?: string }).code).toBe('EDIT_NOT_FOUND');
    await poll(() => text('#errors li')).toContain(`EDIT_NOT_FOUND: no saved edit ${'f'.repeat(32)}`);
  });

  it('downloads diagnostics as JSON without the pairing code', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#diagnostics')]);
    expect(download.suggestedFilename()).toMatch(/^imagic-diagnostics-.*\.json$/);
    const body = await readFile((await download.path())!, 'utf8');
    expect(body).not.toContain(daemon.token);
    const report = JSON.parse(body) as { models: { modelId: string }[]; recentJobs: { prompt: string | null }[] };
    expect(report.models.map((m) => m.modelId)).toEqual(['tiny', 'tiny-b']);
    expect(report.recentJobs.every((j) => j.prompt === null || /^\(\d+ characters\)$/.test(j.prompt))).toBe(true);
  });

  it('gives a page from another origin neither the pairing code nor a WebSocket', async () => {
    const evil: Server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<title>elsewhere</title>'),
    );
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      const other = await browser.context.newPage();
      await other.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      const outcome = await other.evaluate(async (port) => {
        const token = await fetch(`http://localhost:${port}/api/dashboard-token`, {
          headers: { 'X-Imagic-Dashboard': '1' },
        }).then(
          (r) => `status ${r.status}`,
          (e: unknown) => `blocked: ${String(e)}`,
        );
        const socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(`ws://localhost:${port}/ws`);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        });
        return { token, socket };
      }, daemon.port);
      expect(outcome.token).toMatch(/^blocked: TypeError/);
      expect(outcome.socket).toBe('refused');
      await other.close();
    } finally {
      evil.closeAllConnections();
      await new Promise((resolve) => evil.close(resolve));
    }
  });

  it(
    'says when no model is installed, and asks again for a pasted code the companion refuses',
    { timeout: 60_000 },
    async () => {
      const bare = await startTestDaemonAsync({ withModel: false });
      const other = await browser.context.newPage();
      try {
        await other.goto(bare.url);
        await poll(async () => (await other.locator('#models tbody').textContent())?.trim()).toBe(
          'No model installed.',
        );
        // A wrong code: the page stops reconnecting and shows the form again, with the companion's reason.
        await other.evaluate(() => sessionStorage.setItem('imagic-pairing-code', 'not-the-code'));
        await other.reload();
        await poll(async () => other.locator('#pair-form').isVisible()).toBe(true);
        await poll(async () => (await other.locator('#connection').textContent())?.trim()).toMatch(
          /^refused: [A-Z_]+$/,
        );
      } finally {
        await other.close();
        await bare.stopAsync();
      }
    },
  );
});
