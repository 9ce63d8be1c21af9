// The plugin-internal channel between the Figma sandbox (plugin/main) and the UI iframe (plugin/ui), declared once
// for both sides. Checked by hand rather than with zod: the sandbox bundle stays free of zod's regex tables (it runs
// in Figma's restricted engine, target es2017), and these few flat messages need no more than typeof checks.

export type UiToMain =
  | { type: 'ui.ready' }
  /** Remember the pairing code in figma.clientStorage (per user and machine, not synced); '' forgets it. */
  | { type: 'token.save'; token: string }
  | { type: 'selection.export' }
  | { type: 'notify'; message: string; isError: boolean };

export type MainToUi =
  | { type: 'token.loaded'; token: string | null }
  | { type: 'selection.changed'; count: number; name: string | null }
  /** PNG bytes of the one selected layer; the UI reads the size from the PNG header. */
  | { type: 'selection.exported'; name: string; png: Uint8Array }
  | { type: 'selection.failed'; message: string };

const MAX_TEXT = 4096;

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT;
const hasOnly = (m: Fields, keys: readonly string[]) => Object.keys(m).every((k) => keys.includes(k));

/** One row per UI → main message type: the fields it may have and whether they hold. */
const uiToMainChecks: { [T in UiToMain['type']]: { keys: readonly string[]; ok: (m: Fields) => boolean } } = {
  'ui.ready': { keys: ['type'], ok: () => true },
  'token.save': { keys: ['type', 'token'], ok: (m) => isText(m['token']) },
  'selection.export': { keys: ['type'], ok: () => true },
  notify: { keys: ['type', 'message', 'isError'], ok: (m) => isText(m['message']) && typeof m['isError'] === 'boolean' },
};

const mainToUiChecks: { [T in MainToUi['type']]: { keys: readonly string[]; ok: (m: Fields) => boolean } } = {
  'token.loaded': { keys: ['type', 'token'], ok: (m) => m['token'] === null || isText(m['token']) },
  'selection.changed': {
    keys: ['type', 'count', 'name'],
    ok: (m) => Number.isInteger(m['count']) && (m['name'] === null || isText(m['name'])),
  },
  'selection.exported': { keys: ['type', 'name', 'png'], ok: (m) => isText(m['name']) && m['png'] instanceof Uint8Array },
  'selection.failed': { keys: ['type', 'message'], ok: (m) => isText(m['message']) },
};

function check<M>(table: Record<string, { keys: readonly string[]; ok: (m: Fields) => boolean }>, value: unknown): M | null {
  if (!isObject(value) || typeof value['type'] !== 'string') return null;
  const row = Object.prototype.hasOwnProperty.call(table, value['type']) ? table[value['type']] : undefined;
  return row !== undefined && hasOnly(value, row.keys) && row.keys.every((k) => k in value) && row.ok(value) ? (value as M) : null;
}

/** The message if `value` is a well-formed UI → main message, else null. */
export const parseUiToMain = (value: unknown): UiToMain | null => check<UiToMain>(uiToMainChecks, value);

/** The message if `value` is a well-formed main → UI message, else null. */
export const parseMainToUi = (value: unknown): MainToUi | null => check<MainToUi>(mainToUiChecks, value);
