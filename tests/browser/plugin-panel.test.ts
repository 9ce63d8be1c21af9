// The built Figma panel (plugin/dist/ui.html) in headless Chromium, loaded as Figma loads it, against a real
// companion. The test plays Figma's main code: it answers the panel's bridge messages and checks what the panel asks
// the main code to insert. Needs `npm run build` first (vitest's globalSetup does not build; the check below says so).
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createServer } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportedSource } from '../../shared/src/bridge/messages.ts';
import { readPngSize } from '../../shared/src/protocol/image-format.ts';
import { testPicture } from '../engine/support.ts';
import { pairAsync, startTestDaemonAsync, type TestDaemon } from '../integration/support/daemon-harness.ts';
import { launchChromiumAsync, startHostServerAsync, UI_HTML, type FrameOptions } from './plugin-figma-frame.ts';
import { skipBrowserTests } from './support/chromium.ts';
import {
  connectedPanelAsync as connectedPanel,
  dog,
  openPanelAsync as openPanel,
  poll,
  SOURCE,
  text,
} from './support/panel-session.ts';

const skip = skipBrowserTests();

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

let daemon: TestDaemon;
let browser: Awaited<ReturnType<typeof launchChromiumAsync>>;
let modelState: string;
let sourcePng: Uint8Array;

beforeAll(async () => {
  if (skip) return;
  await access(UI_HTML).catch(() => {
    throw new Error('plugin/dist/ui.html is missing: run `npm run build` before the browser tests');
  });
  daemon = await startTestDaemonAsync({ withModel: true });
  const inbox = await pairAsync(daemon);
  const status = await inbox.requestAsync({ type: 'status', id: 'probe' });
  modelState = status.type === 'status.result' ? status.model.state : 'unknown';
  inbox.socket.close();
  browser = await launchChromiumAsync();
  const picture = testPicture(SOURCE.width, SOURCE.height);
  sourcePng = new Uint8Array(
    await sharp(Buffer.from(picture.rgba), { raw: { width: SOURCE.width, height: SOURCE.height, channels: 4 } })
      .png()
      .toBuffer(),
  );
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.closeAsync();
  await daemon?.stopAsync();
});

/** Opens the panel on this file's browser (another context when given). */
const openPanelAsync = (
  storage: { token: string | null; port: number },
  options: FrameOptions = {},
  context = browser.context,
) => openPanel(context, storage, options);
const connectedPanelAsync = (companion: TestDaemon) => connectedPanel(browser.context, companion);

const freePortAsync = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe.skipIf(skip)('the Figma panel in Chromium', () => {
  it('shows each connection state with its fix, pairs, and reports the companion', async () => {
    const offline = await openPanelAsync({ token: daemon.token, port: await freePortAsync() });
    await poll(() => text(offline.ui.locator('#connection-title')), 10_000).toBe('The companion is not running');
    await poll(() => text(offline.ui.locator('#connection-fix'))).toContain('npm start');
    await poll(() => text(offline.ui.locator('#connection-fix code').first())).toBe('npm start');
    await poll(() => text(offline.ui.locator('#connection-fix'))).toContain('npx imagic serve');
    await offline.closeAsync();

    const frame = await openPanelAsync({ token: null, port: daemon.port });
    const ui = frame.ui;
    await poll(() => text(ui.locator('#connection-title'))).toBe('Pair with the companion');
    await poll(() => text(ui.locator('#connection-fix'))).toContain('npx imagic pair');
    await poll(() => text(ui.locator('#selection-text'))).toBe('Dog · 96×64');

    await ui.locator('#token').fill('z'.repeat(43));
    await ui.locator('#token').press('Enter');
    expect(await frame.nextAsync('token.save')).toEqual({ type: 'token.save', token: 'z'.repeat(43) });
    await poll(() => text(ui.locator('#connection-title'))).toBe('The pairing code was not accepted');

    await ui.locator('#token').fill(daemon.token);
    await ui.getByRole('button', { name: 'Pair' }).click();
    expect(await frame.nextAsync('token.save')).toEqual({ type: 'token.save', token: daemon.token });
    await poll(() => text(ui.locator('#connection-title'))).toMatch(/^Connected to companion \d/);
    await poll(() => text(ui.locator('#companion-info'))).toContain(modelState === 'none' ? 'none installed' : 'tiny');

    await ui.getByRole('button', { name: 'make the cat smile' }).click();
    await poll(() => ui.locator('#prompt').inputValue()).toBe('make the cat smile');
    await ui.locator('#seeds').fill('3, 7, 42');
    await poll(() => text(ui.locator('#seeds-help'))).toBe('seeds 3, 7, 42');
    await ui.locator('#seeds').fill('99');
    await poll(() => ui.locator('#seeds-help').getAttribute('class')).toMatch(/error/);
    await ui.locator('#seeds').fill('2');
    await frame.screenshotAsync(new URL('panel-connected.png', ARTIFACTS));
    await frame.closeAsync();

    // Figma's dark theme: the same panel with the dark --figma-color-* values.
    const dark = await openPanelAsync({ token: daemon.token, port: daemon.port }, { theme: 'dark' });
    await poll(() => text(dark.ui.locator('#connection-title'))).toMatch(/^Connected/);
    const background = await dark.ui.locator('body').evaluate((body) => getComputedStyle(body).backgroundColor);
    expect(background).toBe('rgb(44, 44, 44)');
    await dark.screenshotAsync(new URL('panel-dark.png', ARTIFACTS));
    await dark.closeAsync();
  });

  it("takes its placeholder from the model, and names the prompt's words a small-grammar model does not know", async () => {
    const settings = path.join(daemon.dataDir, 'models', 'tiny', 'imagic_settings.json');
    const examples = ['a red circle on a white background', 'a blue square on a black background'] as const;
    await writeFile(
      settings,
      JSON.stringify({
        train: {},
        prompts: {
          vocabulary: ['a', 'red', 'blue', 'circle', 'square', 'on', 'white', 'black', 'background'],
          examples,
        },
        reason: 'test',
      }),
    );
    try {
      const frame = await openPanelAsync({ token: daemon.token, port: daemon.port });
      const ui = frame.ui;
      await poll(() => text(ui.locator('#connection-title'))).toMatch(/^Connected/);
      await poll(() => ui.locator('#prompt').getAttribute('placeholder')).toBe(examples[0]);
      await ui.locator('#prompt').fill('make the dog sit');
      await poll(() => ui.locator('#prompt-words').isVisible()).toBe(true);
      expect(await text(ui.locator('#prompt-words-text'))).toBe(
        'This model does not know “make”, “the”, “dog”, “sit”. It understands prompts like:',
      );
      await ui.locator('#prompt-examples').getByRole('button', { name: examples[1] }).click();
      await poll(() => ui.locator('#prompt').inputValue()).toBe(examples[1]);
      await poll(() => ui.locator('#prompt-words').isVisible()).toBe(false);
      await frame.closeAsync();
    } finally {
      await rm(settings, { force: true });
    }
  });

  it('says the browser blocks the companion when a public page (like figma.com) embeds the panel', async () => {
    // Chrome's Local Network Access: a page Chrome considers public may not reach localhost. The host page is
    // served from 127.0.0.1 under a public name, and Chrome is told to treat that server as public.
    const host = await startHostServerAsync();
    const publicBrowser = await launchChromiumAsync([
      `--host-resolver-rules=MAP figma.test 127.0.0.1`,
      `--ip-address-space-overrides=127.0.0.1:${host.port}=public`,
    ]);
    try {
      const frame = await openPanelAsync(
        { token: daemon.token, port: daemon.port },
        { hostUrl: `http://figma.test:${host.port}/` },
        publicBrowser.context,
      );
      await poll(() => text(frame.ui.locator('#connection-title')), 15_000).toBe(
        'The browser blocks the connection to the companion',
      );
      await poll(() => text(frame.ui.locator('#connection-fix'))).toContain('Figma desktop app');
      await poll(() => text(frame.ui.locator('#connection-fix'))).toContain('Local network access');
      await frame.screenshotAsync(new URL('panel-blocked.png', ARTIFACTS));
      await frame.closeAsync();
    } finally {
      await publicBrowser.closeAsync();
      await host.closeAsync();
    }
  });

  it(
    'runs an edit, shows progress, re-renders from the η slider and inserts the chosen variants',
    { timeout: 300_000 },
    async ({ skip }) => {
      skip(modelState === 'none', `the companion's status reports no model (model.state "none"), so edits cannot run`);
      const { frame, ui } = await connectedPanelAsync(daemon);
      await ui.locator('#prompt').fill('make the dog sit');
      await ui.locator('#preset').selectOption('fast');
      await ui.locator('#seeds').fill('2');
      await ui.locator('#prompt').press('Control+Enter');

      expect(await frame.nextAsync('prompts.save')).toEqual({
        type: 'prompts.save',
        prompts: ['make the dog sit', 'make the cat smile'],
      });
      await frame.nextAsync('selection.export');
      // The first look: the preview's caption as soon as it is first set, caught by an observer in the page.
      const firstLook = ui.locator('#preview-text').evaluate(
        (caption) =>
          new Promise<string>((resolve) => {
            new MutationObserver(() => resolve(caption.textContent ?? '')).observe(caption, {
              childList: true,
              characterData: true,
              subtree: true,
            });
          }),
      );
      const source: ExportedSource = {
        ...dog,
        image: { format: 'png', bytes: sourcePng, ...SOURCE },
        scaledFrom: null,
      };
      await frame.sendAsync({ type: 'selection.exported', sources: [source] });

      const remembered = await frame.nextAsync('edit.remember', 20_000);
      expect(remembered).toMatchObject({
        sourceId: dog.id,
        edit: { prompt: 'make the dog sit', editId: expect.stringMatching(/^[0-9a-f]{32}$/) },
      });
      await poll(() => text(ui.locator('#progress-label')), 20_000).toMatch(/Queued|Encoding|Stage [123] of 3/);
      await poll(() => text(ui.locator('#progress-detail')), 60_000).toContain('step');

      // As soon as training ends, a quick preview at the chosen strength; then the full grid: edit strength (η) 0.6,
      // 0.7, 0.8 × two variations, beside the layer as it was sent.
      expect(await firstLook).toMatch(/^Preview · strength 0\.7 · \d+ steps$/);
      const tiles = ui.locator('#variant-grids .tile');
      await poll(() => tiles.count(), 110_000).toBe(6);
      await poll(() => text(ui.locator('#variant-grids'))).toContain('variation 2');
      expect(await ui.locator('#variant-grids .axis.eta', { hasText: /^0\.7$/ }).getAttribute('title')).toBe('η 0.7');
      expect(await ui.locator('#variant-grids .before img').getAttribute('alt')).toBe('Dog before the edit');
      expect(await ui.locator('label[for="eta"]').textContent()).toBe('Edit strength');

      // Enlarge one: before and after side by side; it can be chosen there; Escape closes it and cancels nothing.
      await ui.getByRole('button', { name: 'Enlarge Strength 0.7, variation 1' }).click();
      await poll(() => ui.locator('#lightbox').isVisible()).toBe(true);
      expect(await text(ui.locator('#lightbox-caption'))).toBe('Strength 0.7, variation 1');
      expect(await ui.locator('#lightbox-before').isVisible()).toBe(true);
      await ui.locator('#lightbox-choose').click();
      await poll(() => text(ui.locator('#lightbox-choose'))).toBe('Chosen for Insert ✓');
      await poll(() => text(ui.locator('#insert'))).toBe('Insert');
      expect(await ui.locator('#insert').isDisabled()).toBe(false);
      await ui.locator('#lightbox-choose').click();
      await poll(() => ui.locator('#insert').isDisabled()).toBe(true);
      await frame.page.keyboard.press('Escape');
      await poll(() => ui.locator('#lightbox').isHidden()).toBe(true);

      // Drag the slider: previews while moving, the full grid at the released value; the grid never moves meanwhile.
      // The grid's own box: its tiles are replaced while a re-render lands, the box stays.
      const firstTile = async () => (await ui.locator('#variant-grids').boundingBox())?.y;
      const gridTop = await firstTile();
      const tops: (number | undefined)[] = [];
      const slider = ui.locator('#eta');
      const box = await slider.boundingBox();
      if (box === null) throw new Error('the η slider is not visible');
      const xFor = (eta: number) => box.x + 8 + ((box.width - 16) * eta) / 1.5;
      await frame.page.mouse.move(xFor(0.7), box.y + box.height / 2);
      await frame.page.mouse.down();
      for (const eta of [0.75, 0.8, 0.85, 0.9]) {
        await frame.page.mouse.move(xFor(eta), box.y + box.height / 2, { steps: 3 });
        tops.push(await firstTile());
      }
      await poll(() => ui.locator('#preview').isVisible(), 60_000).toBe(true);
      tops.push(await firstTile());
      await frame.page.mouse.up();
      const eta = Number(await slider.inputValue());
      expect(eta).toBeGreaterThan(0.7);
      const label = String(Math.round(eta * 100) / 100);
      await poll(() => text(ui.locator('#eta-value'))).toBe(label);
      await poll(() => ui.locator('#progress-section').isVisible(), 20_000).toBe(true);
      tops.push(await firstTile());
      await poll(
        () => ui.locator('#variant-grids .axis.eta', { hasText: new RegExp(`^${label.replace('.', '\\.')}$`) }).count(),
        60_000,
      ).toBe(1);
      await poll(() => tiles.count()).toBe(6);
      tops.push(await firstTile());
      expect(
        tops.every((top) => top === gridTop),
        `the grid moved: ${gridTop} → ${tops.join(', ')}`,
      ).toBe(true);

      // Choose two variants with the keyboard and the mouse, then insert.
      await tiles.nth(0).focus();
      await tiles.nth(0).press('Enter');
      await tiles.nth(3).click();
      await poll(() => text(ui.locator('#insert'))).toBe('Insert 2');
      await frame.screenshotAsync(new URL('panel.png', ARTIFACTS));
      await ui.locator('#insert').click();

      const place = await frame.nextAsync('results.place');
      expect(place.request).toMatchObject({ source: dog, prompt: 'make the dog sit', editId: remembered.edit.editId });
      expect(place.request.variants).toHaveLength(2);
      for (const variant of place.request.variants) {
        expect(readPngSize(variant.png)).toEqual(SOURCE);
        expect([variant.width, variant.height]).toEqual([SOURCE.width, SOURCE.height]);
        const meta = await sharp(Buffer.from(variant.png)).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['png', SOURCE.width, SOURCE.height]);
      }
      await frame.sendAsync({ type: 'results.placed', editId: place.request.editId, count: 2, sourceMissing: false });
      await poll(() => text(ui.locator('#notice'))).toBe('Inserted 2 variants above the layer.');

      // The slider made re-render jobs: at least one quick preview and the full render on release.
      const inbox = await pairAsync(daemon);
      const jobs = await inbox.requestAsync({ type: 'jobs.list', id: 'jobs' });
      inbox.socket.close();
      const renders = jobs.type === 'jobs.list.result' ? jobs.jobs.filter((j) => j.kind === 'render') : [];
      expect(renders.length).toBeGreaterThanOrEqual(2);
      expect(renders.some((j) => j.state === 'done')).toBe(true);

      // The layer's saved edits: the main code reports the edit remembered on the node; reopen renders it, delete forgets it.
      await frame.sendAsync({ type: 'selection.changed', items: [{ ...dog, savedEdits: [remembered.edit] }] });
      await poll(() => text(ui.locator('#saved-list'))).toContain('make the dog sit (ready)');
      await ui.getByRole('button', { name: 'Reopen “make the dog sit”' }).click();
      await poll(() => tiles.count(), 60_000).toBe(0);
      await poll(() => tiles.count(), 60_000).toBe(6);
      await ui.getByRole('button', { name: 'Delete “make the dog sit”' }).click();
      expect(await frame.nextAsync('edit.forget')).toEqual({
        type: 'edit.forget',
        sourceId: dog.id,
        editId: remembered.edit.editId,
      });
      await frame.sendAsync({ type: 'selection.changed', items: [{ ...dog, savedEdits: [] }] });
      await poll(() => ui.locator('#saved-edits').isHidden()).toBe(true);

      // A long edit (the community preset) is cancelled from the panel with Escape.
      await ui.locator('#preset').selectOption('community');
      await ui.locator('#start').click();
      await frame.nextAsync('selection.export');
      await frame.sendAsync({ type: 'selection.exported', sources: [source] });
      await poll(() => text(ui.locator('#progress-label')), 60_000).toMatch(/Stage [12] of 3/);
      await poll(() => ui.locator('#cancel').isVisible()).toBe(true);
      await ui.locator('#prompt').press('Escape');
      await poll(() => text(ui.locator('#progress-label')), 30_000).toBe('Cancelled.');
      await poll(() => ui.locator('#cancel').isHidden()).toBe(true);
      await frame.closeAsync();
    },
  );
  it(
    'runs a quick edit in seconds, re-runs it from the strength slider, and inserts it named as a quick edit',
    { timeout: 120_000 },
    async ({ skip }) => {
      skip(modelState === 'none', `the companion's status reports no model (model.state "none"), so edits cannot run`);
      const { frame, ui } = await connectedPanelAsync(daemon);
      await ui.locator('#prompt').fill('a red circle');
      await ui.locator('#mode').selectOption('quick');
      // Quick trains nothing: no preset, no η rows; the slider is the strength, from the companion's default.
      await poll(() => ui.locator('#preset-row').isHidden()).toBe(true);
      expect(await ui.locator('#vary-eta-row').isHidden()).toBe(true);
      expect(await ui.locator('#eta').getAttribute('max')).toBe('1');
      expect(await text(ui.locator('#eta-value'))).toBe('0.6');
      expect(await text(ui.locator('#start'))).toBe('Quick edit layer');
      await ui.locator('#seeds').fill('2');
      await ui.locator('#start').click();
      await frame.nextAsync('selection.export');
      const source: ExportedSource = {
        ...dog,
        image: { format: 'png', bytes: sourcePng, ...SOURCE },
        scaledFrom: null,
      };
      await frame.sendAsync({ type: 'selection.exported', sources: [source] });

      // One row (the strength) × two variations.
      const tiles = ui.locator('#variant-grids .tile');
      await poll(() => tiles.count(), 60_000).toBe(2);
      expect(await ui.locator('#variant-grids .axis.eta', { hasText: /^0\.6$/ }).count()).toBe(1);

      // Move the slider with the keyboard (each press is a preview; the last one commits): the grid's row follows.
      const slider = ui.locator('#eta');
      await slider.focus();
      for (let i = 0; i < 4; i++) await slider.press('ArrowLeft');
      await poll(() => text(ui.locator('#eta-value'))).toBe('0.4');
      await poll(() => ui.locator('#variant-grids .axis.eta', { hasText: /^0\.4$/ }).count(), 60_000).toBe(1);
      await poll(() => tiles.count()).toBe(2);

      await tiles.nth(1).click();
      await ui.locator('#insert').click();
      const place = await frame.nextAsync('results.place');
      expect(place.request).toMatchObject({ source: dog, prompt: 'a red circle' });
      expect(place.request.variants).toHaveLength(1);
      expect(place.request.variants[0]).toMatchObject({ eta: 0.4, quick: true, ...SOURCE });

      // Every render was a quick edit job (kind edit, nothing saved): the first, previews, the grid at 0.4.
      const inbox = await pairAsync(daemon);
      const jobs = await inbox.requestAsync({ type: 'jobs.list', id: 'quick-jobs' });
      const edits = await inbox.requestAsync({ type: 'edits.list', id: 'quick-edits' });
      inbox.socket.close();
      const quick = jobs.type === 'jobs.list.result' ? jobs.jobs.filter((j) => j.prompt === 'a red circle') : [];
      expect(quick.length).toBeGreaterThanOrEqual(2);
      expect(quick.every((j) => j.kind === 'edit')).toBe(true);
      const saved = edits.type === 'edits.list.result' ? edits.edits.map((e) => e.editId) : [];
      expect(quick.some((j) => saved.includes(j.editId))).toBe(false);
      await frame.closeAsync();
    },
  );
  it(
    'sends the shape selected over the layer as its mask: the inserted variants keep every pixel outside it',
    { timeout: 120_000 },
    async ({ skip }) => {
      skip(modelState === 'none', `the companion's status reports no model (model.state "none"), so edits cannot run`);
      const { frame, ui } = await connectedPanelAsync(daemon);
      await ui.locator('#prompt').fill('a red circle');
      await ui.locator('#mode').selectOption('quick');
      await ui.locator('#seeds').fill('1');
      await ui.locator('#start').click();
      await frame.nextAsync('selection.export');
      // The right half of the layer may change (what Figma's main code exports for a shape over it).
      const inside = (p: number) => p % SOURCE.width >= SOURCE.width / 2;
      const maskRgba = new Uint8Array(4 * SOURCE.width * SOURCE.height);
      for (let p = 0; p < SOURCE.width * SOURCE.height; p++) {
        maskRgba.fill(inside(p) ? 255 : 0, 4 * p, 4 * p + 3);
        maskRgba[4 * p + 3] = 255;
      }
      const maskPng = new Uint8Array(
        await sharp(Buffer.from(maskRgba), { raw: { ...SOURCE, channels: 4 } })
          .png()
          .toBuffer(),
      );
      await frame.sendAsync({
        type: 'selection.exported',
        sources: [
          {
            ...dog,
            image: { format: 'png', bytes: sourcePng, ...SOURCE },
            scaledFrom: null,
            mask: { format: 'png', bytes: maskPng, ...SOURCE },
          },
        ],
      });
      await poll(() => text(ui.locator('#notice'))).toMatch(/only inside the selected shape/);
      const tiles = ui.locator('#variant-grids .tile');
      await poll(() => tiles.count(), 60_000).toBe(1);
      await tiles.nth(0).click();
      await ui.locator('#insert').click();
      const place = await frame.nextAsync('results.place');
      const out = new Uint8Array(
        await sharp(Buffer.from(place.request.variants[0]!.png)).ensureAlpha().raw().toBuffer(),
      );
      const picture = testPicture(SOURCE.width, SOURCE.height);
      let keptMax = 0;
      let changed = 0;
      for (let i = 0; i < out.length; i++) {
        if (i % 4 === 3) continue;
        const d = Math.abs(out[i]! - picture.rgba[i]!);
        if (inside(i >> 2)) changed += d;
        else keptMax = Math.max(keptMax, d);
      }
      expect(keptMax).toBe(0);
      expect(changed).toBeGreaterThan(0);
      await frame.closeAsync();
    },
  );
});

describe.skipIf(skip)('the Figma panel with the demo model', () => {
  let demo: TestDaemon;
  beforeAll(async () => {
    demo = await startTestDaemonAsync({ withModel: 'demo' });
  });
  afterAll(async () => demo?.stopAsync());

  it(
    'finds the region automatically, shows it beside the layer, and grows, shrinks or drops it, rendering again',
    { timeout: 120_000 },
    async () => {
      const { frame, ui } = await connectedPanelAsync(demo);
      await ui.locator('#prompt').fill('a yellow square on a white background');
      await ui.locator('#mode').selectOption('quick');
      await ui.locator('#auto-mask').check();
      await ui.locator('#seeds').fill('1');
      await ui.locator('#start').click();
      await frame.nextAsync('selection.export');
      const png = await readFile(new URL('../../docs/examples/blue-square.png', import.meta.url));
      const layer = { ...dog, frame: { ...dog.frame, width: 32, height: 32 } };
      await frame.sendAsync({
        type: 'selection.exported',
        sources: [
          { ...layer, image: { format: 'png', bytes: new Uint8Array(png), width: 32, height: 32 }, scaledFrom: null },
        ],
      });
      const region = ui.locator('.region');
      await poll(() => region.count(), 60_000).toBe(1);
      expect(await text(region)).toContain('Region found');
      const maskSrc = () => ui.locator('.region img').getAttribute('src');
      const first = await maskSrc();
      // Grow: rendered again with a larger region (a step of 2% of 32 px, one pixel).
      await ui.getByRole('button', { name: 'Grow the region (Dog)' }).click();
      await poll(() => text(region), 60_000).toContain('grown 1 px');
      await poll(maskSrc, 60_000).not.toBe(first);
      await ui.getByRole('button', { name: 'Shrink the region (Dog)' }).click();
      await poll(() => text(region), 60_000).toBe('Region foundGrowShrinkOff');
      // Off: the edit everywhere again, and no region shown.
      await ui.getByRole('button', { name: 'Edit everywhere (Dog)' }).click();
      await poll(() => region.count(), 60_000).toBe(0);
      await frame.closeAsync();
    },
  );
});
