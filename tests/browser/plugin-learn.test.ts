// "Learn a word" in the built Figma panel against a real companion with the demo model: the button says why it is off
// until 3–10 layers are selected and the word is named; then it exports the selection for a learn job, shows the job's
// progress and result, and offers the new word beside the prompt box (the companion's status lists it). A learn job
// can be cancelled like an edit.
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng } from '../../companion/src/images/model-input.ts';
import { randomScene, renderScene, SCENE_SIZE, withSlots } from '../../companion/src/demo/scene.ts';
import { Rng } from '../../companion/src/util/rng.ts';
import { adapterFile } from '../../companion/src/models/learned-store.ts';
import { installConvAdapterAsync } from '../fixtures/lora-modules.ts';
import type { ExportedSource } from '../../shared/src/bridge/messages.ts';
import { startTestDaemonAsync, type TestDaemon } from '../integration/support/daemon-harness.ts';
import { launchChromiumAsync, UI_HTML } from './plugin-figma-frame.ts';
import { skipBrowserTests } from './support/chromium.ts';
import { connectedPanelAsync, dog, poll, text } from './support/panel-session.ts';

const skip = skipBrowserTests();
let demo: TestDaemon;
let browser: Awaited<ReturnType<typeof launchChromiumAsync>>;

beforeAll(async () => {
  if (skip) return;
  await access(UI_HTML).catch(() => {
    throw new Error('plugin/dist/ui.html is missing: run `npm run build` before the browser tests');
  });
  demo = await startTestDaemonAsync({ withModel: 'demo' });
  browser = await launchChromiumAsync();
});
afterAll(async () => {
  await browser?.closeAsync();
  await demo?.stopAsync();
});

/** Three layers of yellow triangles, as the document side exports them. */
async function triangles(count: number): Promise<ExportedSource[]> {
  const rng = new Rng(8);
  const sources: ExportedSource[] = [];
  for (let i = 0; i < count; i++) {
    const rgba = renderScene(withSlots(randomScene(rng), { colour: 'yellow', shape: 'triangle' }));
    const bytes = await encodePng(rgba, SCENE_SIZE, SCENE_SIZE);
    const frame = { ...dog.frame, x: 40 * i, width: SCENE_SIZE, height: SCENE_SIZE };
    sources.push({
      id: `1:${i}`,
      name: `Triangle ${i}`,
      pageId: dog.pageId,
      frame,
      image: { format: 'png', bytes, width: SCENE_SIZE, height: SCENE_SIZE },
      scaledFrom: null,
    });
  }
  return sources;
}

describe.skipIf(skip)('learning a word in the Figma panel', () => {
  it(
    'learns from the selected layers, shows progress, and offers the word by the prompt',
    { timeout: 120_000 },
    async () => {
      const { frame, ui } = await connectedPanelAsync(browser.context, demo);
      await ui.locator('#learn summary').click();
      const start = ui.locator('#learn-start');
      const status = ui.locator('#learn-status');
      // One layer selected (the panel opens on one): the button is off and says why.
      await poll(() => start.isDisabled()).toBe(true);
      expect(await text(status)).toMatch(/Select 3–10 layers/);
      const sources = await triangles(3);
      await frame.sendAsync({
        type: 'selection.changed',
        items: sources.map(({ id, name, pageId, frame }) => ({ id, name, pageId, frame, savedEdits: [] })),
      });
      await poll(() => text(status)).toMatch(/Name the new word/);
      await ui.locator('#learn-token').fill('<tri>');
      await ui.locator('#learn-init').fill('circle');
      // A subject adapter needs its class word: the button says so until it has one.
      await ui.locator('#learn-kind').selectOption('adapter');
      await poll(() => text(status)).toMatch(/needs the class/);
      await ui.locator('#learn-kind').selectOption('embedding');
      await poll(() => start.isDisabled()).toBe(false);
      expect(await ui.locator('#prompt-learned').isHidden()).toBe(true);

      await start.click();
      const exportRequest = await frame.nextAsync('selection.export');
      expect(exportRequest).toMatchObject({ purpose: 'learn' });
      await frame.sendAsync({ type: 'selection.exported', sources });
      await poll(() => text(status), 90_000).toMatch(/^Learned <tri>/);
      // The word is offered beside the prompt box; its chip puts it in the prompt.
      const chip = ui.locator('#prompt-learned .chip');
      await poll(() => chip.count()).toBe(1);
      await chip.click();
      expect(await ui.locator('#prompt').inputValue()).toBe('a <tri>');
      // A prompt with it draws no unknown-word note.
      await ui.locator('#prompt').fill('a <tri> on a black background');
      await poll(() => ui.locator('#prompt-words').isHidden()).toBe(true);
      await frame.closeAsync();
    },
  );

  it('offers a subject adapter the model has for edits in either mode', { timeout: 120_000 }, async () => {
    const modelDir = join(demo.dataDir, 'models', 'demo');
    await installConvAdapterAsync(demo.dataDir, modelDir, 'square', 1);
    const { frame, ui } = await connectedPanelAsync(browser.context, demo);
    const row = ui.locator('#subject-row');
    // Imagic mode (the panel's default) and quick mode both offer it.
    await poll(() => row.isVisible()).toBe(true);
    expect(await ui.locator('#subject option').allTextContents()).toEqual(['None', 'square']);
    await ui.locator('#mode').selectOption('quick');
    await poll(() => row.isVisible()).toBe(true);
    await frame.closeAsync();
    await rm(adapterFile(demo.dataDir, modelDir, 'square'));
  });

  it('cancels a learn job', { timeout: 120_000 }, async () => {
    const { frame, ui } = await connectedPanelAsync(browser.context, demo);
    await ui.locator('#learn summary').click();
    const sources = await triangles(3);
    await frame.sendAsync({
      type: 'selection.changed',
      items: sources.map(({ id, name, pageId, frame }) => ({ id, name, pageId, frame, savedEdits: [] })),
    });
    await ui.locator('#learn-token').fill('<gone>');
    await ui.locator('#learn-init').fill('circle');
    await ui.locator('#learn-start').click();
    await frame.nextAsync('selection.export');
    await frame.sendAsync({ type: 'selection.exported', sources });
    const cancel = ui.locator('#learn-cancel');
    await poll(() => cancel.isVisible()).toBe(true);
    await poll(() => text(ui.locator('#learn-status')), 60_000).toMatch(/Learning the new word/);
    await cancel.click();
    await poll(() => text(ui.locator('#learn-status')), 60_000).toBe('Cancelled.');
    expect(await cancel.isHidden()).toBe(true);
    await frame.closeAsync();
  });
});
