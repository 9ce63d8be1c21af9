// The Photoshop UXP host against the fake `photoshop` module: reading layers with imaging.getPixels, inserting
// results as pixel layers in a group above the source in one history step, modal scopes kept short, and the panel's
// in-process link to the controller.
import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MainToUi, PlaceRequest } from '../../shared/src/bridge/messages.ts';
import { DEFAULT_PORT } from '../../shared/src/protocol/defaults.ts';
import { createController } from '../../plugin/main/controller.ts';
import { MAX_SOURCES } from '../../plugin/main/host/design-host.ts';
import { localMainLink } from '../../plugin/photoshop/local-link.ts';
import { PhotoshopHost } from '../../plugin/photoshop/photoshop-host.ts';
import { uxpStorage } from '../../plugin/photoshop/uxp-storage.ts';
import { encodePngAsync } from '../../plugin/ui/image/png-encode.ts';
import { FakePhotoshop, pattern, type FakeDocument, type FakeLayer } from '../mocks/fake-photoshop.ts';

class MemoryStorage implements Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> {
  readonly map = new Map<string, string>();
  getItem = (key: string) => this.map.get(key) ?? null;
  setItem = (key: string, value: string) => void this.map.set(key, value);
  removeItem = (key: string) => void this.map.delete(key);
}

let ps: FakePhotoshop;
let doc: FakeDocument;
let notices: Array<[string, boolean]>;
let host: PhotoshopHost;
const editId = '0e4d1c7b9a2f48e6b5d3c1a0f9e8d7c6';

beforeEach(() => {
  ps = new FakePhotoshop();
  doc = ps.openDocument('poster.psd');
  notices = [];
  host = new PhotoshopHost(ps, {
    storage: uxpStorage(new MemoryStorage() as unknown as Storage),
    notify: (m, e) => void notices.push([m, e]),
  });
});

const placeRequest = async (
  source: FakeLayer,
  images: Array<{ width: number; height: number; eta: number; seed: number }>,
): Promise<PlaceRequest> => ({
  source: {
    id: `${doc.id}:${source.id}`,
    name: source.name,
    pageId: String(doc.id),
    frame: { x: 10, y: 20, width: 96, height: 64 },
  },
  prompt: 'make the dog sit',
  editId,
  variants: await Promise.all(
    // As the panel makes them from the companion's raw RGBA8 results (OUTPUT_FORMAT.photoshop): PNG to show, pixels to place.
    images.map(async (i) => {
      const rgba = pattern(i.width, i.height);
      return { ...i, png: await encodePngAsync(rgba, i.width, i.height), rgba };
    }),
  ),
});

describe('PhotoshopHost#exportSelectionAsync', () => {
  it('reads the selected layer as straight sRGB RGBA8 at its bounds, inside a short modal scope', async () => {
    const dog = doc.addLayer('Dog', { left: 10, top: 20, right: 106, bottom: 84 });
    doc.activeLayers = [dog];
    const outcome = await host.exportSelectionAsync();
    if (!outcome.ok) throw new Error(outcome.message);
    const [source] = outcome.sources;
    expect(source).toMatchObject({
      id: `${doc.id}:${dog.id}`,
      name: 'Dog',
      pageId: String(doc.id),
      frame: { x: 10, y: 20, width: 96, height: 64 },
      scaledFrom: null,
    });
    expect(source?.image).toMatchObject({ format: 'rgba8', width: 96, height: 64 });
    expect(source?.image.bytes).toEqual(dog.rgba);
    expect(ps.log).toEqual([
      'modal start: Read layer for Imagic',
      'getPixels Dog 96×64',
      'modal end: Read layer for Imagic',
    ]);
    expect(ps.modal).toBeNull();
    expect(source?.mask).toBeUndefined();
  });

  it("takes the active pixel selection as the layer's mask, placed at its offset; none when it covers nothing or all", async () => {
    const dog = doc.addLayer('Dog', { left: 10, top: 20, right: 106, bottom: 84 });
    doc.activeLayers = [dog];
    // A 20×10 selection from document (50, 30): layer pixels x 40–59, y 10–19; its left half is feathered to grey 100.
    const grey = Uint8Array.from({ length: 20 * 10 }, (_, i) => (i % 20 < 10 ? 100 : 255));
    doc.selection = { bounds: { left: 50, top: 30, right: 70, bottom: 40 }, grey };
    const outcome = await host.exportSelectionAsync();
    if (!outcome.ok) throw new Error(outcome.message);
    const mask = outcome.sources[0]?.mask;
    expect(mask).toMatchObject({ format: 'rgba8', width: 96, height: 64 });
    const at = (x: number, y: number) => mask!.bytes[4 * (y * 96 + x)];
    expect([at(50, 15), at(45, 15), at(39, 15), at(60, 15), at(50, 9), at(50, 20)]).toEqual([255, 100, 0, 0, 0, 0]);
    expect(mask!.bytes[4 * (15 * 96 + 50) + 3]).toBe(255);
    expect(ps.log).toEqual([
      'modal start: Read layer for Imagic',
      'getPixels Dog 96×64',
      'getSelection 20×10',
      'modal end: Read layer for Imagic',
    ]);
    doc.selection = { bounds: { left: 0, top: 0, right: 200, bottom: 200 }, grey: new Uint8Array(200 * 200).fill(255) };
    const all = await host.exportSelectionAsync();
    expect(all.ok && all.sources[0]?.mask).toBeUndefined();
    doc.selection = null;
    const none = await host.exportSelectionAsync();
    expect(none.ok && none.sources[0]?.mask).toBeUndefined();
  });

  it('asks Photoshop for a smaller image when the layer is over the limit, and expands RGB to RGBA', async () => {
    const huge = doc.addLayer(
      'Background',
      { left: 0, top: 0, right: 6000, bottom: 300 },
      new Uint8Array(6000 * 300 * 3).fill(9),
    );
    huge.components = 3;
    doc.activeLayers = [huge];
    const outcome = await host.exportSelectionAsync();
    if (!outcome.ok) throw new Error(outcome.message);
    const [source] = outcome.sources;
    expect(ps.log).toContain('getPixels Background 4096×205');
    expect(source?.scaledFrom).toEqual({ width: 6000, height: 300 });
    expect(source?.image.bytes.length).toBe(4096 * 205 * 4);
    expect([...(source?.image.bytes.subarray(0, 8) ?? [])]).toEqual([9, 9, 9, 255, 9, 9, 9, 255]);
  });

  it('explains what to do with no document, no selection, an empty layer or one too small', async () => {
    doc.activeLayers = [];
    expect(await host.exportSelectionAsync()).toMatchObject({
      ok: false,
      message: expect.stringContaining('Select a layer'),
    });
    doc.activeLayers = [doc.addLayer('Empty', { left: 0, top: 0, right: 0, bottom: 0 })];
    expect(await host.exportSelectionAsync()).toMatchObject({
      ok: false,
      message: expect.stringContaining('has no pixels'),
    });
    doc.activeLayers = [doc.addLayer('Dot', { left: 0, top: 0, right: 4, bottom: 4 })];
    expect(await host.exportSelectionAsync()).toMatchObject({
      ok: false,
      message: expect.stringContaining('never upscales'),
    });
    doc.activeLayers = Array.from({ length: MAX_SOURCES + 1 }, (_, i) =>
      doc.addLayer(`L${i}`, { left: 0, top: 0, right: 16, bottom: 16 }),
    );
    expect(await host.exportSelectionAsync()).toMatchObject({
      ok: false,
      message: expect.stringContaining(`at most ${MAX_SOURCES}`),
    });
    ps.activeDocument = null;
    expect(await host.exportSelectionAsync()).toMatchObject({
      ok: false,
      message: expect.stringContaining('Open a document'),
    });
  });
});

describe('PhotoshopHost#placeResultsAsync', () => {
  it('inserts each variant as a pixel layer at the source, grouped right above it, as one history step', async () => {
    const below = doc.addLayer('Below', { left: 0, top: 0, right: 10, bottom: 10 });
    const dog = doc.addLayer('Dog', { left: 10, top: 20, right: 106, bottom: 84 });
    doc.addLayer('Above', { left: 0, top: 0, right: 10, bottom: 10 });
    doc.activeLayers = [below];
    const request = await placeRequest(dog, [
      { width: 96, height: 64, eta: 0.7, seed: 3 },
      { width: 96, height: 64, eta: 0.8, seed: 3 },
    ]);

    expect(await host.placeResultsAsync(request)).toEqual({ count: 2, sourceMissing: false });

    expect(doc.layers.map((l) => l.name)).toEqual(['Above', 'Imagic: make the dog sit', 'Dog', 'Below']);
    const group = doc.layers[1] as FakeLayer;
    expect(group.layers?.map((l) => [l.name, l.boundsNoEffects])).toEqual([
      ['make the dog sit · η 0.7 · seed 3', { left: 10, top: 20, right: 106, bottom: 84 }],
      ['make the dog sit · η 0.8 · seed 3', { left: 10, top: 20, right: 106, bottom: 84 }],
    ]);
    expect(group.layers?.[0]?.rgba).toEqual(pattern(96, 64));
    expect(ps.modalCalls).toBe(1);
    expect(ps.log[0]).toBe('modal start: Imagic: make the dog sit');
    expect(ps.log[1]).toBe('suspendHistory Imagic: make the dog sit');
    expect(ps.log.slice(-2)).toEqual(['resumeHistory commit=true', 'modal end: Imagic: make the dog sit']);
  });

  it('stretches results of a source that was read scaled down back over the source', async () => {
    const huge = doc.addLayer('Huge', { left: 0, top: 0, right: 6000, bottom: 3000 }, new Uint8Array(0));
    const request = await placeRequest(huge, [{ width: 64, height: 32, eta: 0.7, seed: 1 }]);
    await host.placeResultsAsync(request);
    const placed = (doc.layers[0] as FakeLayer).layers?.[0];
    expect(placed?.scaledBy).toEqual([(100 * 6000) / 64, (100 * 3000) / 32]);
    expect(placed?.boundsNoEffects).toEqual({ left: 0, top: 0, right: 6000, bottom: 3000 });
  });

  it('places results where a deleted source was, on top, and reports it', async () => {
    const dog = doc.addLayer('Dog', { left: 10, top: 20, right: 106, bottom: 84 });
    const request = await placeRequest(dog, [{ width: 96, height: 64, eta: 0.7, seed: 3 }]);
    doc.detach(dog);
    expect(await host.placeResultsAsync(request)).toEqual({ count: 1, sourceMissing: true });
    expect((doc.layers[0] as FakeLayer).layers?.[0]?.boundsNoEffects).toEqual({
      left: 10,
      top: 20,
      right: 106,
      bottom: 84,
    });
    expect(ps.log.some((line) => line.startsWith('move'))).toBe(false);
  });

  it('checks the pixels before entering modal state, so a bad result never blocks Photoshop', async () => {
    const dog = doc.addLayer('Dog', { left: 0, top: 0, right: 16, bottom: 16 });
    const request = await placeRequest(dog, [{ width: 16, height: 16, eta: 1, seed: 1 }]);
    const { rgba: _, ...pngOnly } = request.variants[0]!;
    for (const variant of [pngOnly, { ...request.variants[0]!, rgba: new Uint8Array([1, 2, 3]) }]) {
      await expect(host.placeResultsAsync({ ...request, variants: [variant] })).rejects.toThrow(/without its pixels/);
    }
    expect(ps.modalCalls).toBe(0);
  });

  it('rolls the history step back when Photoshop fails half-way', async () => {
    const dog = doc.addLayer('Dog', { left: 0, top: 0, right: 16, bottom: 16 });
    const request = await placeRequest(dog, [{ width: 16, height: 16, eta: 1, seed: 1 }]);
    ps.imaging.putPixels = async () => {
      throw new Error('Photoshop is busy');
    };
    await expect(host.placeResultsAsync(request)).rejects.toThrow('Photoshop is busy');
    expect(ps.log).toContain('resumeHistory commit=false');
    expect(ps.modal).toBeNull();
  });
});

describe('the Photoshop panel link', () => {
  it('runs the shared controller in-process: storage, selection events, saved edits', async () => {
    const dog = doc.addLayer('Dog', { left: 10, top: 20, right: 106, bottom: 84 });
    doc.activeLayers = [dog];
    const received: MainToUi[] = [];
    const link = localMainLink((post) => createController(host, post));
    link.onMessage((m) => void received.push(m));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

    link.post({ type: 'token.save', token: 'tok' });
    link.post({ type: 'ui.ready' });
    await settle();
    expect(received).toEqual([
      { type: 'storage.loaded', token: 'tok', recentPrompts: [], port: null },
      {
        type: 'selection.changed',
        items: [
          {
            id: `${doc.id}:${dog.id}`,
            name: 'Dog',
            pageId: String(doc.id),
            frame: { x: 10, y: 20, width: 96, height: 64 },
            savedEdits: [],
          },
        ],
      },
    ]);

    link.post({ type: 'edit.remember', sourceId: `${doc.id}:${dog.id}`, edit: { editId, prompt: 'make the dog sit' } });
    await settle();
    expect(received.at(-1)).toMatchObject({
      type: 'selection.changed',
      items: [{ savedEdits: [{ editId, prompt: 'make the dog sit' }] }],
    });

    doc.activeLayers = [];
    ps.fire('select');
    await settle();
    expect(received.at(-1)).toEqual({ type: 'selection.changed', items: [] });

    link.post({ type: 'notify', message: 'hello', isError: false });
    await settle();
    expect(notices).toEqual([['hello', false]]);
  });
});

describe('plugin/photoshop/manifest.json', () => {
  it('is a manifest v5 panel that may reach exactly the companion on the default port', async () => {
    const manifest = JSON.parse(
      await readFile(new URL('../../plugin/photoshop/manifest.json', import.meta.url), 'utf8'),
    );
    expect(manifest).toMatchObject({
      manifestVersion: 5,
      main: 'index.html',
      host: { app: 'PS' },
      entrypoints: [{ type: 'panel' }],
    });
    expect([...manifest.requiredPermissions.network.domains].sort()).toEqual([
      `http://localhost:${DEFAULT_PORT}`,
      `ws://localhost:${DEFAULT_PORT}`,
    ]);
  });
});
