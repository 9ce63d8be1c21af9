// The plugin-internal channel between the design host's document side (Figma's sandbox in plugin/main, or the
// Photoshop host in the same UXP panel) and the panel UI (plugin/ui), declared once for both sides. Checked by hand
// rather than with zod: the sandbox bundle stays free of zod's regex tables (it runs in Figma's restricted engine,
// target es2017), and structured clone already guarantees plain data.
import {
  hasShape,
  isBytes,
  isFiniteNumber,
  isFrame,
  isHexId,
  isListOf,
  isNullOr,
  isPositiveInt,
  isSize,
  isText,
  optional,
  type Fields,
} from './checks.ts';

/** Position and size in the document's coordinates (Figma: absolute page coordinates; Photoshop: document pixels). */
export type Frame = { x: number; y: number; width: number; height: number };
export type Size = { width: number; height: number };

/** Pixels of one source: a PNG (Figma's exportAsync) or raw straight RGBA8 (Photoshop's getPixels). */
export type SourceImage = { format: 'png' | 'rgba8'; bytes: Uint8Array; width: number; height: number };

/** An edit made from a node, remembered on the node (Figma pluginData) so the panel can offer it again. */
export type SavedEditRef = { editId: string; prompt: string };

/** Where a source sat when it was exported: results go there if the node is gone by the time they arrive. */
export type SourceRef = { id: string; name: string; pageId: string | null; frame: Frame };

export type SelectionItem = SourceRef & { savedEdits: SavedEditRef[] };

export type ExportedSource = SourceRef & {
  image: SourceImage;
  /** The node's size at 1× when the export was scaled down to the companion's limit; null when it was not. */
  scaledFrom: Size | null;
  /**
   * Where the edit may change the layer, at the image's size (white or opaque may change): in Figma a shape selected
   * over the layer, in Photoshop the active pixel selection. Absent: everywhere.
   */
  mask?: SourceImage;
};

/** One chosen variant; always PNG on the bridge (Figma's createImage takes PNG, Photoshop decodes it). */
/**
 * One variant to insert: its PNG (what Figma's createImage takes), and its straight RGBA8 pixels where the companion
 * sent them raw (what Photoshop's imaging API writes, so that host needs no PNG decoder).
 */
export type PlacedVariant = {
  png: Uint8Array;
  rgba?: Uint8Array;
  width: number;
  height: number;
  /** η, or the strength of a quick edit (`quick`). */
  eta: number;
  seed: number;
  /** A quick edit's (SDEdit) result: `eta` is its strength. */
  quick?: boolean;
};

export type PlaceRequest = { source: SourceRef; prompt: string; editId: string; variants: PlacedVariant[] };

export type ExportPurpose = 'edit' | 'learn';

export type UiToMain =
  | { type: 'ui.ready' }
  /** Remember the pairing code in host storage (figma.clientStorage: per user and machine, not synced); '' forgets it. */
  | { type: 'token.save'; token: string }
  | { type: 'prompts.save'; prompts: string[] }
  /** Export the selected layers: for edits (each one its own edit), or for a learn job (layers of one concept). */
  | { type: 'selection.export'; purpose?: ExportPurpose }
  /** Insert the variants above their source as one group, in one undo step. */
  | { type: 'results.place'; request: PlaceRequest }
  | { type: 'edit.remember'; sourceId: string; edit: SavedEditRef }
  | { type: 'edit.forget'; sourceId: string; editId: string }
  | { type: 'notify'; message: string; isError: boolean };

export type MainToUi =
  /** Answers ui.ready. `port` overrides the companion's default port (development and tests); null: the default. */
  | { type: 'storage.loaded'; token: string | null; recentPrompts: string[]; port: number | null }
  | { type: 'selection.changed'; items: SelectionItem[] }
  | { type: 'selection.exported'; sources: ExportedSource[] }
  | { type: 'selection.failed'; message: string }
  | { type: 'results.placed'; editId: string; count: number; sourceMissing: boolean }
  | { type: 'results.failed'; editId: string; message: string };

const isSavedEdit = (v: unknown) => hasShape(v, { editId: isHexId, prompt: isText });
const sourceRefShape = { id: isText, name: isText, pageId: isNullOr(isText), frame: isFrame };
const isSelectionItem = (v: unknown) => hasShape(v, { ...sourceRefShape, savedEdits: isListOf(isSavedEdit) });
const isSourceRef = (v: unknown) => hasShape(v, sourceRefShape);
const isSourceImage = (v: unknown) =>
  hasShape(v, {
    format: (f) => f === 'png' || f === 'rgba8',
    bytes: isBytes,
    width: isPositiveInt,
    height: isPositiveInt,
  });
const isExportedSource = (v: unknown) =>
  hasShape(v, { ...sourceRefShape, image: isSourceImage, scaledFrom: isNullOr(isSize), mask: optional(isSourceImage) });
const isVariant = (v: unknown) =>
  hasShape(v, {
    png: isBytes,
    rgba: optional(isBytes),
    width: isPositiveInt,
    height: isPositiveInt,
    eta: isFiniteNumber,
    seed: (s) => Number.isInteger(s),
    quick: optional((q) => typeof q === 'boolean'),
  });
const isPlaceRequest = (v: unknown) =>
  hasShape(v, {
    source: isSourceRef,
    prompt: isText,
    editId: isHexId,
    variants: (list) => isListOf(isVariant, 64)(list) && (list as unknown[]).length > 0,
  });

type Shape = Record<string, (v: unknown) => boolean>;
const isType = (type: string) => (v: unknown) => v === type;

/** One row per UI → main message type: the check of each field besides `type`. */
const uiToMainShapes: { [T in UiToMain['type']]: Shape } = {
  'ui.ready': {},
  'token.save': { token: isText },
  'prompts.save': { prompts: isListOf(isText, 32) },
  'selection.export': { purpose: optional((p) => p === 'edit' || p === 'learn') },
  'results.place': { request: isPlaceRequest },
  'edit.remember': { sourceId: isText, edit: isSavedEdit },
  'edit.forget': { sourceId: isText, editId: isHexId },
  notify: { message: isText, isError: (v) => typeof v === 'boolean' },
};

const mainToUiShapes: { [T in MainToUi['type']]: Shape } = {
  'storage.loaded': { token: isNullOr(isText), recentPrompts: isListOf(isText, 32), port: isNullOr(isPositiveInt) },
  'selection.changed': { items: isListOf(isSelectionItem) },
  'selection.exported': { sources: isListOf(isExportedSource) },
  'selection.failed': { message: isText },
  'results.placed': {
    editId: isHexId,
    count: (v) => Number.isInteger(v),
    sourceMissing: (v) => typeof v === 'boolean',
  },
  'results.failed': { editId: isHexId, message: isText },
};

function check<M>(table: Record<string, Shape>, value: unknown): M | null {
  const type = (value as Fields | null)?.['type'];
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(table, type)) return null;
  return hasShape(value, { type: isType(type), ...table[type] }) ? (value as M) : null;
}

/** The message if `value` is a well-formed UI → main message, else null. */
export const parseUiToMain = (value: unknown): UiToMain | null => check<UiToMain>(uiToMainShapes, value);

/** The message if `value` is a well-formed main → UI message, else null. */
export const parseMainToUi = (value: unknown): MainToUi | null => check<MainToUi>(mainToUiShapes, value);
