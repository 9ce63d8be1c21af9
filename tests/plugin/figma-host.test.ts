// The Figma host against the fake `figma` global: export sizes and constraints, placement, grouping, undo, and
// results whose source was deleted meanwhile.
import { beforeEach, describe, expect, it } from 'vitest';
import type { PlaceRequest } from '../../shared/src/bridge/messages.ts';
import { readPngSize } from '../../shared/src/protocol/image-format.ts';
import { fakePng } from '../../shared/src/protocol/testing/fake-png.ts';
import { MAX_SOURCES } from '../../plugin/main/host/design-host.ts';
import { FigmaHost } from '../../plugin/main/host/figma-host.ts';
import { FakeContainer, FakeFigma, FakeNode, FakeRectangle, type FakePage } from '../mocks/fake-figma.ts';

let figma: FakeFigma;
let host: FigmaHost;
beforeEach(() => {
  figma = new FakeFigma().install();
  host = new FigmaHost();
});

const editId = '0e4d1c7b9a2f48e6b5d3c1a0f9e8d7c6';
const requestFor = (
  node: FakeNode,
  variants = [
    { eta: 0.7, seed: 3 },
    { eta: 0.8, seed: 3 },
  ],
): PlaceRequest => ({
  source: {
    id: node.id,
    name: node.name,
    pageId: figma.currentPage.id,
    frame: { x: 40, y: 60, width: node.width, height: node.height },
  },
  prompt: 'make the dog sit',
  editId,
  variants: variants.map(({ eta, seed }) => ({
    png: fakePng(node.width, node.height),
    width: node.width,
    height: node.height,
    eta,
    seed,
  })),
});

describe('FigmaHost#exportSelectionAsync', () => {
  it('exports a frame at native scale as PNG with its id, size and page position', async () => {
    const board = figma.frame('Board', { x: 1000, y: 500, width: 800, height: 600 });
    const dog = figma.frame('Dog', { x: 40, y: 60, width: 300, height: 200 }, board);
    figma.currentPage.selection = [dog];
    const outcome = await host.exportSelectionAsync();
    if (!outcome.ok) throw new Error(outcome.message);
    const [source] = outcome.sources;
    expect(source).toMatchObject({
      id: dog.id,
      name: 'Dog',
      pageId: figma.currentPage.id,
      frame: { x: 1040, y: 560, width: 300, height: 200 },
      scaledFrom: null,
    });
    expect(source?.image).toMatchObject({ format: 'png', width: 300, height: 200 });
    expect(readPngSize(source?.image.bytes ?? new Uint8Array())).toEqual({ width: 300, height: 200 });
    expect(dog.exportCalls).toEqual([
      { format: 'PNG', constraint: { type: 'SCALE', value: 1 }, colorProfile: 'SRGB', contentsOnly: true },
    ]);
  });

  it('caps the longer side to the companion limit with a WIDTH or HEIGHT constraint and reports the native size', async () => {
    const wide = figma.frame('Wide', { x: 0, y: 0, width: 6000, height: 3000 });
    const tall = figma.frame('Tall', { x: 0, y: 0, width: 1000, height: 8192 });
    figma.currentPage.selection = [wide, tall];
    const outcome = await host.exportSelectionAsync();
    if (!outcome.ok) throw new Error(outcome.message);
    expect(wide.exportCalls[0]?.constraint).toEqual({ type: 'WIDTH', value: 4096 });
    expect(tall.exportCalls[0]?.constraint).toEqual({ type: 'HEIGHT', value: 4096 });
    expect(outcome.sources.map((s) => [s.image.width, s.image.height, s.scaledFrom])).toEqual([
      [4096, 2048, { width: 6000, height: 3000 }],
      [500, 4096, { width: 1000, height: 8192 }],
    ]);
  });

  it('refuses a source under the minimum size instead of upscaling it', async () => {
    const dot = figma.frame('Dot', { x: 0, y: 0, width: 5, height: 100 });
    figma.currentPage.selection = [dot];
    const outcome = await host.exportSelectionAsync();
    expect(outcome).toMatchObject({ ok: false, message: expect.stringMatching(/“Dot”.*5×100.*never upscales/) });
    expect(dot.exportCalls).toEqual([]);
  });

  it('exports every selected node in selection order: frames, groups, vectors', async () => {
    const frame = figma.frame('Frame', { x: 0, y: 0, width: 64, height: 64 });
    const vector = new FakeNode(figma, 'VECTOR', 'Star', 32, 40);
    figma.currentPage.appendChild(vector);
    const group = figma.group([figma.frame('In group', { x: 10, y: 10, width: 50, height: 20 })], figma.currentPage);
    figma.currentPage.selection = [vector, group, frame];
    const outcome = await host.exportSelectionAsync();
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.sources.map((s) => [s.name, s.image.width, s.image.height])).toEqual([
      ['Star', 32, 40],
      ['Group', 50, 20],
      ['Frame', 64, 64],
    ]);
  });

  it('takes a shape selected over a layer as its mask: white in a black frame at the layer, exported at its scale', async () => {
    const board = figma.frame('Board', { x: 1000, y: 500, width: 800, height: 600 });
    const dog = figma.frame('Dog', { x: 40, y: 60, width: 300, height: 200 }, board);
    const region = figma.shape('ELLIPSE', 'Region', { x: 100, y: 80, width: 120, height: 90 }, board);
    figma.currentPage.selection = [region, dog];
    const outcome = await host.exportSelectionAsync();
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.sources.map((s) => s.name)).toEqual(['Dog']);
    const [source] = outcome.sources;
    expect(source?.mask).toMatchObject({ format: 'png', width: 300, height: 200 });
    expect(readPngSize(source?.mask?.bytes ?? new Uint8Array())).toEqual({ width: 300, height: 200 });
    // The temporary frame: at the layer's page position and size, black, clipping, exported like the layer, removed.
    const [frame] = figma.created;
    expect(frame).toMatchObject({ x: 1040, y: 560, width: 300, height: 200, clipsContent: true, removed: true });
    expect(frame?.fills).toEqual([{ type: 'SOLID', color: { r: 0, g: 0, b: 0 } }]);
    expect(frame?.exportCalls).toEqual([
      { format: 'PNG', constraint: { type: 'SCALE', value: 1 }, colorProfile: 'SRGB' },
    ]);
    // The copy: where the shape is relative to the layer, solid white, no stroke, opaque; the shape itself untouched.
    const [copy] = figma.cloned as FakeRectangle[];
    expect(copy).toMatchObject({ x: 60, y: 20, opacity: 1, strokes: [] });
    expect(copy?.fills).toEqual([{ type: 'SOLID', color: { r: 1, g: 1, b: 1 } }]);
    expect(region).toMatchObject({ opacity: 0.5, removed: false, x: 100 });
    expect(region.fills).toEqual([{ type: 'SOLID', color: { r: 0.8, g: 0.8, b: 0.8 } }]);
  });

  it("takes a layer's own mask (a child shape used as mask) when the layer is selected alone", async () => {
    const dog = figma.frame('Dog', { x: 10, y: 10, width: 100, height: 80 });
    const clip = figma.shape('ELLIPSE', 'Clip', { x: 20, y: 10, width: 50, height: 50 }, dog);
    clip.isMask = true;
    figma.currentPage.selection = [dog];
    const outcome = await host.exportSelectionAsync();
    if (!outcome.ok) throw new Error(outcome.message);
    expect(outcome.sources[0]?.mask).toMatchObject({ format: 'png', width: 100, height: 80 });
    expect(figma.cloned[0]).toMatchObject({ x: 20, y: 10 });
    clip.isMask = false;
    const plain = await host.exportSelectionAsync();
    expect(plain.ok && plain.sources[0]?.mask).toBeUndefined();
  });

  it('edits both nodes when the shape is under the layer, apart from it, or one of more than two', async () => {
    const dog = figma.frame('Dog', { x: 0, y: 0, width: 100, height: 100 });
    const under = figma.shape('RECTANGLE', 'Under', { x: 10, y: 10, width: 20, height: 20 });
    figma.currentPage.insertChild(0, under);
    figma.currentPage.selection = [dog, under];
    const below = await host.exportSelectionAsync();
    expect(below.ok && below.sources.map((s) => [s.name, s.mask === undefined])).toEqual([
      ['Dog', true],
      ['Under', true],
    ]);
    const apart = figma.shape('RECTANGLE', 'Apart', { x: 300, y: 300, width: 20, height: 20 });
    figma.currentPage.selection = [dog, apart];
    const separate = await host.exportSelectionAsync();
    expect(separate.ok && separate.sources.every((s) => s.mask === undefined)).toBe(true);
    expect(figma.created).toEqual([]);
  });

  it('explains an empty selection, too many or too few nodes for its purpose, and a node Figma cannot render', async () => {
    expect(await host.exportSelectionAsync()).toMatchObject({
      ok: false,
      message: expect.stringContaining('Select a layer'),
    });
    figma.currentPage.selection = Array.from({ length: MAX_SOURCES + 1 }, (_, i) =>
      figma.frame(`F${i}`, { x: 0, y: 0, width: 20, height: 20 }),
    );
    expect(await host.exportSelectionAsync()).toMatchObject({
      ok: false,
      message: expect.stringContaining(`at most ${MAX_SOURCES}`),
    });
    // A learn job takes 3–10 layers: the 9 selected are fine, 2 are too few.
    const forLearning = await host.exportSelectionAsync('learn');
    expect(forLearning.ok && forLearning.sources.length).toBe(MAX_SOURCES + 1);
    figma.currentPage.selection = figma.currentPage.selection.slice(0, 2);
    expect(await host.exportSelectionAsync('learn')).toMatchObject({
      ok: false,
      message: expect.stringContaining('2 layers are selected; select 3–10'),
    });
    const broken = figma.frame('Broken', { x: 0, y: 0, width: 20, height: 20 });
    broken.exportError = 'Node has no visible content';
    figma.currentPage.selection = [broken];
    expect(await host.exportSelectionAsync()).toMatchObject({
      ok: false,
      message: expect.stringContaining('Node has no visible content'),
    });
  });
});

describe('FigmaHost#placeResultsAsync', () => {
  it('inserts image rectangles right above the source at its position and size, grouped, selected, in one undo step', async () => {
    const board = figma.frame('Board', { x: 100, y: 100, width: 800, height: 600 });
    const below = figma.frame('Below', { x: 0, y: 0, width: 10, height: 10 }, board);
    const dog = figma.frame('Dog', { x: 40, y: 60, width: 300, height: 200 }, board);
    const above = figma.frame('Above', { x: 0, y: 0, width: 10, height: 10 }, board);
    const request = requestFor(dog);

    expect(await host.placeResultsAsync(request)).toEqual({ count: 2, sourceMissing: false });

    expect(board.children.map((n) => n.name)).toEqual(['Below', 'Dog', 'Imagic: make the dog sit', 'Above']);
    const group = board.children[2] as FakeContainer;
    expect(group.type).toBe('GROUP');
    expect(group.children.map((n) => n.name)).toEqual([
      'make the dog sit · η 0.7 · seed 3',
      'make the dog sit · η 0.8 · seed 3',
    ]);
    for (const [i, rect] of (group.children as FakeRectangle[]).entries()) {
      expect({ x: rect.x, y: rect.y, width: rect.width, height: rect.height }).toEqual({
        x: 40,
        y: 60,
        width: 300,
        height: 200,
      });
      expect(rect.absoluteTransform).toEqual(dog.absoluteTransform);
      const [fill] = rect.fills;
      expect(fill).toMatchObject({ type: 'IMAGE', scaleMode: 'FILL' });
      expect(figma.images.get((fill as ImagePaint).imageHash ?? '')).toBe(request.variants[i]?.png);
    }
    expect(figma.currentPage.selection).toEqual([group]);
    expect(figma.undoCommits).toBeGreaterThan(0);
    expect(figma.uncommittedChanges).toBe(0);
    expect([below, above].every((n) => !n.removed)).toBe(true);
  });

  it('follows the source if it moved or was resized while the edit ran', async () => {
    const dog = figma.frame('Dog', { x: 40, y: 60, width: 300, height: 200 });
    const request = requestFor(dog, [{ eta: 1, seed: 1 }]);
    dog.x = 500;
    dog.resize(150, 100);
    await host.placeResultsAsync(request);
    const rect = (figma.currentPage.children[1] as FakeContainer).children[0];
    expect(rect).toMatchObject({ x: 500, y: 60, width: 150, height: 100, name: 'make the dog sit · η 1 · seed 1' });
  });

  it('places results where a deleted source was, on its page, and says so', async () => {
    const dog = figma.frame('Dog', { x: 40, y: 60, width: 300, height: 200 });
    const request = requestFor(dog);
    dog.remove();
    expect(await host.placeResultsAsync(request)).toEqual({ count: 2, sourceMissing: true });
    const group = figma.currentPage.children.at(-1) as FakeContainer;
    expect(group.name).toBe('Imagic: make the dog sit');
    expect(group.children.map((r) => [r.x, r.y, r.width, r.height])).toEqual([
      [40, 60, 300, 200],
      [40, 60, 300, 200],
    ]);
    expect(figma.currentPage.selection).toEqual([group]);
    expect(figma.uncommittedChanges).toBe(0);
  });

  it('puts a deleted source’s results on its own page even when another page is current, without selecting them', async () => {
    const other = figma.pages[1] as FakePage;
    const dog = figma.frame('Dog', { x: 5, y: 6, width: 20, height: 20 }, other);
    const request = {
      ...requestFor(dog),
      source: { ...requestFor(dog).source, pageId: other.id, frame: { x: 5, y: 6, width: 20, height: 20 } },
    };
    dog.remove();
    await host.placeResultsAsync(request);
    expect(other.loaded).toBe(true);
    expect(other.children.map((n) => n.name)).toEqual(['Imagic: make the dog sit']);
    expect(figma.currentPage.selection).toEqual([]);
  });
});

describe('FigmaHost saved edits', () => {
  it('remembers edits on the node and lists them with the selection, without duplicates', async () => {
    const dog = figma.frame('Dog', { x: 0, y: 0, width: 64, height: 64 });
    figma.currentPage.selection = [dog];
    await host.rememberEditAsync(dog.id, { editId, prompt: 'make the dog sit' });
    await host.rememberEditAsync(dog.id, { editId, prompt: 'make the dog sit' });
    expect(await host.describeSelectionAsync()).toEqual([
      {
        id: dog.id,
        name: 'Dog',
        pageId: figma.currentPage.id,
        frame: { x: 0, y: 0, width: 64, height: 64 },
        savedEdits: [{ editId, prompt: 'make the dog sit' }],
      },
    ]);
    await host.forgetEditAsync(dog.id, editId);
    expect((await host.describeSelectionAsync())[0]?.savedEdits).toEqual([]);
    expect(dog.getPluginData('imagic.edits')).toBe('');
  });

  it('ignores unreadable plugin data instead of failing', async () => {
    const dog = figma.frame('Dog', { x: 0, y: 0, width: 64, height: 64 });
    dog.setPluginData('imagic.edits', '{not json');
    figma.currentPage.selection = [dog];
    expect((await host.describeSelectionAsync())[0]?.savedEdits).toEqual([]);
  });
});
