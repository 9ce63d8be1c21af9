// The sandbox entry (main.ts) and the controller it wires, driven the way the UI drives them: messages through
// figma.ui.onmessage, answers through figma.ui.postMessage, storage in clientStorage.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MainToUi } from '../../shared/src/bridge/messages.ts';
import { fakePng } from '../../shared/src/protocol/testing/fake-png.ts';
import { FakeFigma } from '../mocks/fake-figma.ts';

let figma: FakeFigma;
const editId = '0e4d1c7b9a2f48e6b5d3c1a0f9e8d7c6';

/** main.ts runs once per module instance; each test gets a fresh fake and a fresh import. */
beforeEach(async () => {
  figma = new FakeFigma().install();
  vi.resetModules();
  await import('../../plugin/main/main.ts');
});

beforeAll(() => {
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
});

const send = async (message: unknown): Promise<void> => {
  figma.ui.onmessage?.(message);
  // Handlers are async (storage, export): let them finish.
  await new Promise((resolve) => setTimeout(resolve, 0));
};
const posted = () => figma.posted as MainToUi[];

describe('main.ts', () => {
  it('answers ui.ready with the stored pairing code, recent prompts and port, then the selection', async () => {
    figma.storage.set('imagic.pairingToken', 'tok-123');
    figma.storage.set('imagic.recentPrompts', ['make the dog sit', 42]);
    const dog = figma.frame('Dog', { x: 0, y: 0, width: 64, height: 48 });
    figma.currentPage.selection = [dog];
    await new Promise((resolve) => setTimeout(resolve, 0));
    figma.posted.length = 0;
    await send({ type: 'ui.ready' });
    expect(posted()).toEqual([
      { type: 'storage.loaded', token: 'tok-123', recentPrompts: ['make the dog sit'], port: null },
      {
        type: 'selection.changed',
        items: [
          {
            id: dog.id,
            name: 'Dog',
            pageId: figma.currentPage.id,
            frame: { x: 0, y: 0, width: 64, height: 48 },
            savedEdits: [],
          },
        ],
      },
    ]);
  });

  it('saves and forgets the pairing code and saves recent prompts', async () => {
    await send({ type: 'token.save', token: 'abc' });
    await send({ type: 'prompts.save', prompts: ['a', 'b'] });
    expect(figma.storage.get('imagic.pairingToken')).toBe('abc');
    expect(figma.storage.get('imagic.recentPrompts')).toEqual(['a', 'b']);
    await send({ type: 'token.save', token: '' });
    expect(figma.storage.has('imagic.pairingToken')).toBe(false);
  });

  it('keeps the panel in sync on selectionchange', async () => {
    const dog = figma.frame('Dog', { x: 0, y: 0, width: 64, height: 48 });
    figma.currentPage.selection = [dog];
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(posted().at(-1)).toMatchObject({ type: 'selection.changed', items: [{ name: 'Dog' }] });
  });

  it('posts exported PNGs, and a failure with a notice when nothing is selected', async () => {
    await send({ type: 'selection.export' });
    expect(posted().at(-1)).toMatchObject({ type: 'selection.failed' });
    expect(figma.notifications.at(-1)).toMatchObject({ error: true });
    figma.currentPage.selection = [figma.frame('Dog', { x: 0, y: 0, width: 64, height: 48 })];
    await send({ type: 'selection.export' });
    expect(posted().at(-1)).toMatchObject({
      type: 'selection.exported',
      sources: [{ name: 'Dog', image: { format: 'png', width: 64, height: 48 } }],
    });
  });

  it('inserts results, notifies success, and reports a deleted source', async () => {
    const dog = figma.frame('Dog', { x: 0, y: 0, width: 64, height: 48 });
    const request = {
      source: { id: dog.id, name: 'Dog', pageId: figma.currentPage.id, frame: { x: 0, y: 0, width: 64, height: 48 } },
      prompt: 'make the dog sit',
      editId,
      variants: [{ png: fakePng(64, 48), width: 64, height: 48, eta: 0.7, seed: 3 }],
    };
    await send({ type: 'results.place', request });
    expect(posted().at(-1)).toEqual({ type: 'results.placed', editId, count: 1, sourceMissing: false });
    expect(figma.notifications.at(-1)).toEqual({ message: 'Inserted η 0.7 of “make the dog sit”.', error: false });
    dog.remove();
    await send({ type: 'results.place', request });
    expect(posted().at(-1)).toEqual({ type: 'results.placed', editId, count: 1, sourceMissing: true });
    expect(figma.notifications.at(-1)?.message).toMatch(
      /“Dog” was deleted while the edit ran; inserted η 0.7 where it was/,
    );
  });

  it('reports a failed insert to the panel and the user', async () => {
    const dog = figma.frame('Dog', { x: 0, y: 0, width: 64, height: 48 });
    figma.createImage = () => {
      throw new Error('Image type is unsupported');
    };
    await send({
      type: 'results.place',
      request: {
        source: { id: dog.id, name: 'Dog', pageId: null, frame: { x: 0, y: 0, width: 64, height: 48 } },
        prompt: 'p',
        editId,
        variants: [{ png: new Uint8Array([1]), width: 64, height: 48, eta: 1, seed: 1 }],
      },
    });
    expect(posted().at(-1)).toMatchObject({
      type: 'results.failed',
      editId,
      message: expect.stringContaining('Image type is unsupported'),
    });
    expect(figma.notifications.at(-1)).toMatchObject({ error: true });
  });

  it('remembers an edit on its source and re-sends the selection with it', async () => {
    const dog = figma.frame('Dog', { x: 0, y: 0, width: 64, height: 48 });
    figma.currentPage.selection = [dog];
    await send({ type: 'edit.remember', sourceId: dog.id, edit: { editId, prompt: 'make the dog sit' } });
    expect(posted().at(-1)).toMatchObject({
      type: 'selection.changed',
      items: [{ savedEdits: [{ editId, prompt: 'make the dog sit' }] }],
    });
    await send({ type: 'edit.forget', sourceId: dog.id, editId });
    expect(posted().at(-1)).toMatchObject({ type: 'selection.changed', items: [{ savedEdits: [] }] });
  });

  it('ignores malformed messages', async () => {
    await send({ type: 'token.save', token: 5 });
    await send({ type: 'selection.export', extra: true });
    expect(posted()).toEqual([]);
    expect(console.error).toHaveBeenCalledTimes(2);
  });
});
