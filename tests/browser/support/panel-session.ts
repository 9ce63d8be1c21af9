// Opening the built Figma panel against a companion, as main.ts would: answers its ui.ready with the stored pairing
// code and port, and reports one selected layer. Shared by the panel's browser tests.
import { expect } from 'vitest';
import type { Locator } from 'playwright-core';
import type { TestDaemon } from '../../integration/support/daemon-harness.ts';
import { FigmaFrame, type FrameOptions } from '../plugin-figma-frame.ts';

/** Retries until the value matches: the panel updates asynchronously. */
export const poll = <T>(read: () => Promise<T>, timeout = 10_000) => expect.poll(read, { timeout, interval: 100 });
export const text = async (locator: Locator): Promise<string> => (await locator.textContent()) ?? '';

export const SOURCE = { width: 96, height: 64 };

export const dog = {
  id: '12:34',
  name: 'Dog',
  pageId: '0:1',
  frame: { x: 100, y: 200, width: SOURCE.width, height: SOURCE.height },
};

type BrowserContext = Parameters<typeof FigmaFrame.openAsync>[0];

/** Opens the panel and answers its ui.ready like main.ts does. */
export async function openPanelAsync(
  context: BrowserContext,
  storage: { token: string | null; port: number },
  options: FrameOptions = {},
): Promise<FigmaFrame> {
  const frame = await FigmaFrame.openAsync(context, options);
  await frame.nextAsync('ui.ready');
  await frame.sendAsync({
    type: 'storage.loaded',
    token: storage.token,
    recentPrompts: ['make the cat smile'],
    port: storage.port,
  });
  await frame.sendAsync({ type: 'selection.changed', items: [{ ...dog, savedEdits: [] }] });
  return frame;
}

/** The panel opened on a companion, once it says it is connected. */
export async function connectedPanelAsync(
  context: BrowserContext,
  companion: TestDaemon,
): Promise<{ frame: FigmaFrame; ui: FigmaFrame['ui'] }> {
  const frame = await openPanelAsync(context, { token: companion.token, port: companion.port });
  await poll(() => text(frame.ui.locator('#connection-title'))).toMatch(/^Connected/);
  return { frame, ui: frame.ui };
}
