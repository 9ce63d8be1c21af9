// The safetensors format (Hugging Face's; the format section of its README), read and written here because no
// maintained JavaScript implementation exists on npm (the one package of that name is an unmaintained 0.0.1):
//   8 bytes   N, the header's length, an unsigned 64-bit little-endian integer
//   N bytes   the header: a UTF-8 JSON object {name: {dtype, shape, data_offsets: [begin, end]}, …}, optionally with
//             "__metadata__": {string: string}; writers pad it with spaces so the data starts 8-byte aligned
//   the rest  the data buffer, every tensor row-major, little-endian, at its [begin, end) relative to the buffer
// A file is treated as hostile, as the reference implementation does: the header length is checked against the file
// and a 100 MB cap before anything is parsed, every range against the buffer and against its dtype × shape, and the
// ranges must tile the buffer exactly (no overlap, no gap), so reading never touches memory outside the file.
// Learned embeddings (diffusers' learned_embeds.safetensors) and LoRA adapters are stored in it.
import { open } from 'node:fs/promises';
import { fail } from '../errors.ts';

/** Bytes per element of each dtype the format defines. */
export const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** The reference implementation's cap on the header's size. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const METADATA_KEY = '__metadata__';

export interface SafetensorsTensor {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** The tensor's bytes, a view into the file. */
  readonly bytes: Uint8Array;
}

export interface SafetensorsFile {
  readonly tensors: ReadonlyMap<string, SafetensorsTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const bad = (what: string): never => fail('SAFETENSORS_INVALID', `not a valid safetensors file: ${what}`);
const isDtype = (v: unknown): v is SafetensorsDtype => typeof v === 'string' && Object.hasOwn(DTYPE_BYTES, v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses and checks a whole file held in memory. */
export function readSafetensors(file: Uint8Array): SafetensorsFile {
  if (file.length < 8) bad(`it is ${file.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) bad(`its header would be ${headerLength} bytes (at most 100 MB)`);
  const n = Number(headerLength);
  if (8 + n > file.length) bad(`its header length ${n} runs past the file's ${file.length} bytes`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + n)));
  } catch {
    return bad('its header is not UTF-8 JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('its header is not a JSON object');
  const buffer = file.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const ranges: { name: string; begin: number; end: number }[] = [];
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) bad('__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') bad(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (e === null || typeof e !== 'object') bad(`tensor '${name}' is not an object`);
    if (!isDtype(e!.dtype)) bad(`tensor '${name}' has an unknown dtype ${JSON.stringify(e!.dtype)}`);
    const shape = e!.shape;
    if (!Array.isArray(shape) || !shape.every(isCount)) bad(`tensor '${name}' has no list of sizes as its shape`);
    const offsets = e!.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount))
      bad(`tensor '${name}' has no [begin, end] data_offsets`);
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > buffer.length)
      bad(`tensor '${name}' spans bytes ${begin}–${end} of a ${buffer.length}-byte buffer`);
    const elements = (shape as number[]).reduce((a, b) => a * b, 1);
    const dtype = e!.dtype as SafetensorsDtype;
    if (elements * DTYPE_BYTES[dtype] !== end - begin)
      bad(`tensor '${name}' is ${dtype} [${(shape as number[]).join(', ')}] but holds ${end - begin} bytes`);
    ranges.push({ name, begin, end });
    tensors.set(name, { dtype, shape: shape as number[], bytes: buffer.subarray(begin, end) });
  }
  // The ranges must tile the buffer: sorted, each begins where the one before ended, the last ends at its end.
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const r of ranges) {
    if (r.begin !== at) bad(`tensor '${r.name}' begins at byte ${r.begin}, not at ${at}: the data overlaps or has a gap`);
    at = r.end;
  }
  if (at !== buffer.length) bad(`the tensors end at byte ${at} of a ${buffer.length}-byte buffer`);
  return { tensors, metadata };
}

/** A tensor to write: float32 values (the engine's) or raw bytes of another dtype. */
export type TensorToWrite =
  | { readonly dtype: 'F32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: SafetensorsDtype; readonly shape: readonly number[]; readonly bytes: Uint8Array };

/** A file of `tensors` (in the order given) and string `metadata`, its header padded to 8 bytes as the reference pads it. */
export function writeSafetensors(
  tensors: Readonly<Record<string, TensorToWrite>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const header: Record<string, unknown> = Object.keys(metadata).length > 0 ? { [METADATA_KEY]: metadata } : {};
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const [name, t] of Object.entries(tensors)) {
    if (name === METADATA_KEY) fail('INVALID_SPEC', `a tensor cannot be named ${METADATA_KEY}`);
    const bytes = 'data' in t ? littleEndianF32(t.data) : t.bytes;
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements * DTYPE_BYTES[t.dtype] !== bytes.length)
      fail('DIMS_MISMATCH', `tensor '${name}': ${t.dtype} [${t.shape.join(', ')}] needs ${elements * DTYPE_BYTES[t.dtype]} bytes, got ${bytes.length}`);
    header[name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [at, at + bytes.length] };
    parts.push(bytes);
    at += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let offset = 8 + padded;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A tensor's values as float32, from F32, F16 or BF16 (what embeddings and LoRA weights are stored as). */
export function float32Of(name: string, t: SafetensorsTensor): Float32Array {
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const n = t.bytes.length / DTYPE_BYTES[t.dtype];
  const out = new Float32Array(n);
  const read: Partial<Record<SafetensorsDtype, (i: number) => number>> = {
    F32: (i) => view.getFloat32(4 * i, true),
    F16: (i) => halfToFloat(view.getUint16(2 * i, true)),
    // bfloat16 is the top half of a float32.
    BF16: (i) => new Float32Array(new Uint32Array([view.getUint16(2 * i, true) << 16]).buffer)[0]!,
  };
  const get = read[t.dtype] ?? fail('SAFETENSORS_INVALID', `tensor '${name}' is ${t.dtype}; expected F32, F16 or BF16`);
  for (let i = 0; i < n; i++) out[i] = get(i);
  return out;
}

function littleEndianF32(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  return out;
}

/** IEEE 754 binary16 → number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * A file's metadata (its header's __metadata__) without reading its tensors: LoRA files of SD run to hundreds of MB.
 * Null for a file that is not safetensors.
 */
export async function safetensorsMetadataAsync(path: string): Promise<Record<string, string> | null> {
  const file = await open(path, 'r');
  try {
    const head = new Uint8Array(8);
    await file.read(head, 0, 8, 0);
    const n = Number(new DataView(head.buffer).getBigUint64(0, true));
    if (n > MAX_HEADER_BYTES) return null;
    const header = new Uint8Array(n);
    await file.read(header, 0, n, 8);
    const parsed = JSON.parse(new TextDecoder().decode(header)) as Record<string, unknown>;
    const meta = parsed[METADATA_KEY];
    return meta !== null && typeof meta === 'object' ? (meta as Record<string, string>) : {};
  } catch {
    return null;
  } finally {
    await file.close();
  }
}
