import { describe, expect, it } from 'vitest';
import { parseMainToUi, parseUiToMain, type MainToUi, type UiToMain } from './messages.ts';

const uiToMain: UiToMain[] = [
  { type: 'ui.ready' },
  { type: 'token.save', token: 'abc' },
  { type: 'selection.export' },
  { type: 'notify', message: 'hi', isError: false },
];

const mainToUi: MainToUi[] = [
  { type: 'token.loaded', token: null },
  { type: 'token.loaded', token: 'abc' },
  { type: 'selection.changed', count: 1, name: 'Frame 1' },
  { type: 'selection.exported', name: 'Frame 1', png: new Uint8Array([1, 2]) },
  { type: 'selection.failed', message: 'Select one layer' },
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
    { type: 'selection.exported', name: 'x', png: [1, 2] },
  ])('rejects %j', (value) => {
    expect(parseUiToMain(value)).toBeNull();
    expect(parseMainToUi(value)).toBeNull();
  });

  it('does not accept a message from the other direction', () => {
    expect(parseMainToUi({ type: 'ui.ready' })).toBeNull();
    expect(parseUiToMain({ type: 'selection.failed', message: 'x' })).toBeNull();
  });
});
