// Hand-written shape checks for bridge messages (no zod: the Figma sandbox bundle must stay small and es2017).
// Each check answers true only for exactly the declared shape: no missing and no extra keys.

export type Fields = Record<string, unknown>;

/** Longest string the bridge carries: names, prompts, messages. */
export const MAX_TEXT = 4096;
/** Most items in a list: selected nodes, variants, recent prompts, saved edits per node. */
export const MAX_ITEMS = 256;

export const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isText = (v: unknown): v is string => typeof v === 'string' && v.length <= MAX_TEXT;
export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
export const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** True when `value` has exactly `keys` and each key's check holds. */
export const hasShape = (value: unknown, shape: Record<string, (v: unknown) => boolean>): value is Fields => {
  if (!isObject(value)) return false;
  const keys = Object.keys(shape);
  if (!Object.keys(value).every((k) => keys.includes(k))) return false;
  return keys.every((k) => (shape[k] as (v: unknown) => boolean)(value[k]));
};

/** A field that may be absent (or undefined); present, it must pass `check`. */
export const optional =
  (check: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === undefined || check(v);

export const isListOf =
  (item: (v: unknown) => boolean, max = MAX_ITEMS) =>
  (v: unknown): boolean =>
    Array.isArray(v) && v.length <= max && v.every(item);

export const isNullOr =
  (check: (v: unknown) => boolean) =>
  (v: unknown): boolean =>
    v === null || check(v);

export const isFrame = (v: unknown): boolean =>
  hasShape(v, { x: isFiniteNumber, y: isFiniteNumber, width: isFiniteNumber, height: isFiniteNumber });

export const isSize = (v: unknown): boolean => hasShape(v, { width: isPositiveInt, height: isPositiveInt });

export const isHexId = (v: unknown): boolean => typeof v === 'string' && /^[0-9a-f]{32}$/.test(v);
