import { describe, expect, it } from 'vitest';
import { parseMainToUi, parseUiToMain, type MainToUi, type PlaceRequest, type UiToMain } from './messages.ts';

const editId = '0e4d1c7b9a2f48e6b5d3c1a0f9e8d7c6';
const source = { id: '1:2', name: 'Dog', pageId: '0:1', frame: { x: 10, y: 20, width: 64, height: 48 } };
const place: PlaceRequest = {
  source,
  prompt: 'make the dog sit',
  editId,
  variants: [{ png: new Uint8Array([1, 2]), width: 64, height: 48, eta: 0.7, seed: 3 }],
};

const uiToMain: UiToMain[] = [
  { type: 'ui.ready' },
  { type: 'token.save', token: 'abc' },
  { type: 'prompts.save', prompts: ['make the dog sit'] },
  { type: 'selection.export' },
  { type: 'results.place', request: place },
  { type: 'edit.remember', sourceId: '1:2', edit: { editId, prompt: 'x' } },
  { type: 'edit.forget', sourceId: '1:2', editId },
  { type: 'notify', message: 'hi', isError: false },
];

const mainToUi: MainToUi[] = [
  { type: 'storage.loaded', token: null, recentPrompts: [], port: null },
  { type: 'storage.loaded', token: 'abc', recentPrompts: ['a'], port: 7861 },
  { type: 'selection.changed', items: [{ ...source, savedEdits: [{ editId, prompt: 'x' }] }] },
  {
    type: 'selection.exported',
    sources: [
      { ...source, image: { format: 'png', bytes: new Uint8Array([1]), width: 64, height: 48 }, scaledFrom: null },
    ],
  },
  { type: 'selection.failed', message: 'Select one layer' },
  { type: 'results.placed', editId, count: 2, sourceMissing: false },
  { type: 'results.failed', editId, message: 'nope' },
];

describe('bridge messages', () => {
  it.each(uiToMain)('accepts UI → main %j', (message) => expect(parseUiToMain(message)).toBe(message));
  it.each(mainToUi)('accepts main → UI %j', (message) => expect(parseMainToUi(message)).toBe(message));

  it.each([
    null,
    'ui.ready',
    [],
    { type: 'ui.ready', extra: 1 },
    { type: 'token.save' },
    { type: 'token.save', token: 5 },
    { type: 'notify', message: 'x' },
    { type: 'toString' },
    { type: 'results.place', request: { ...place, variants: [] } },
    { type: 'results.place', request: { ...place, editId: 'E' } },
    { type: 'results.place', request: { ...place, variants: [{ ...place.variants[0], png: [1, 2] }] } },
    {
      type: 'selection.exported',
      sources: [
        { ...source, image: { format: 'gif', bytes: new Uint8Array(), width: 1, height: 1 }, scaledFrom: null },
      ],
    },
  ])('rejects %j', (value) => {
    expect(parseUiToMain(value)).toBeNull();
    expect(parseMainToUi(value)).toBeNull();
  });

  it('does not accept a message from the other direction', () => {
    expect(parseMainToUi({ type: 'ui.ready' })).toBeNull();
    expect(parseUiToMain({ type: 'selection.failed', message: 'x' })).toBeNull();
  });
});
