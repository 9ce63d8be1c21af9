// PNG → straight RGBA8, for hosts that need raw pixels (Photoshop's putPixels). Handles what encoders write for
// photos and quantizers: grey (1–16 bit), grey+alpha, RGB, RGBA (8/16 bit) and palette (1–8 bit) images, not interlaced.
import { inflateZlib } from './zlib.ts';

export type RgbaImage = { width: number; height: number; rgba: Uint8Array };

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Channels per colour type (PNG spec table 11.1). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

type Header = { width: number; height: number; depth: number; colorType: number; interlace: number };

function readChunks(bytes: Uint8Array): {
  header: Header;
  palette: Uint8Array | null;
  alpha: Uint8Array | null;
  data: Uint8Array;
} {
  if (!SIGNATURE.every((b, i) => bytes[i] === b)) throw new RangeError('not a PNG (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: Header | null = null;
  let palette: Uint8Array | null = null;
  let alpha: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos + 8 <= bytes.length;) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const body = bytes.subarray(pos + 8, pos + 8 + length);
    if (body.length !== length) throw new RangeError(`PNG chunk ${type} is truncated`);
    if (type === 'IHDR')
      header = {
        width: view.getUint32(pos + 8),
        height: view.getUint32(pos + 12),
        depth: body[8] ?? 0,
        colorType: body[9] ?? 0,
        interlace: body[12] ?? 0,
      };
    else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') alpha = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + length;
  }
  if (header === null) throw new RangeError('PNG has no IHDR chunk');
  const data = new Uint8Array(idat.reduce((n, c) => n + c.length, 0));
  idat.reduce((offset, chunk) => (data.set(chunk, offset), offset + chunk.length), 0);
  return { header, palette, alpha, data };
}

const paeth = (a: number, b: number, c: number): number => {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/** Reverses the per-row filters in place (PNG spec §9); returns the rows without their filter bytes. */
function unfilter(raw: Uint8Array, height: number, stride: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? (out[row + x - bpp] as number) : 0;
      const b = y > 0 ? (out[row - stride + x] as number) : 0;
      const c = x >= bpp && y > 0 ? (out[row - stride + x - bpp] as number) : 0;
      const predictor =
        filter === 0
          ? 0
          : filter === 1
            ? a
            : filter === 2
              ? b
              : filter === 3
                ? (a + b) >> 1
                : filter === 4
                  ? paeth(a, b, c)
                  : -1;
      if (predictor < 0) throw new RangeError(`PNG row ${y} has unknown filter ${filter}`);
      out[row + x] = ((raw[src + x] as number) + predictor) & 0xff;
    }
  }
  return out;
}

export function decodePng(bytes: Uint8Array): RgbaImage {
  const { header, palette, alpha, data } = readChunks(bytes);
  const { width, height, depth, colorType, interlace } = header;
  const channels = CHANNELS[colorType];
  const subByte = depth < 8 && (colorType === 0 || colorType === 3) && [1, 2, 4].includes(depth);
  if (channels === undefined || interlace !== 0 || !(subByte || depth === 8 || (depth === 16 && colorType !== 3)))
    throw new RangeError(`unsupported PNG: colour type ${colorType}, ${depth}-bit${interlace ? ', interlaced' : ''}`);
  const bitsPerPixel = channels * depth;
  const bpp = Math.max(1, bitsPerPixel / 8);
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const rows = unfilter(inflateZlib(data, (stride + 1) * height), height, stride, bpp);
  if (rows.length < stride * height) throw new RangeError('PNG image data is shorter than its size says');

  /** Sample `channel` of pixel i: sub-byte samples are unpacked, 16-bit ones keep their high byte. */
  const sample = (i: number, channel: number): number => {
    const x = i % width;
    const rowStart = Math.floor(i / width) * stride;
    if (depth < 8) {
      const bit = x * depth;
      return ((rows[rowStart + (bit >> 3)] as number) >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
    }
    return rows[rowStart + (x * channels + channel) * (depth / 8)] as number;
  };
  const greyScale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;

  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const o = i * 4;
    if (colorType === 3) {
      const index = sample(i, 0);
      rgba[o] = palette?.[index * 3] ?? 0;
      rgba[o + 1] = palette?.[index * 3 + 1] ?? 0;
      rgba[o + 2] = palette?.[index * 3 + 2] ?? 0;
      rgba[o + 3] = alpha?.[index] ?? 255;
    } else if (colorType === 0 || colorType === 4) {
      const grey = Math.round(sample(i, 0) * greyScale);
      rgba[o] = rgba[o + 1] = rgba[o + 2] = grey;
      rgba[o + 3] = colorType === 4 ? sample(i, 1) : 255;
    } else {
      rgba[o] = sample(i, 0);
      rgba[o + 1] = sample(i, 1);
      rgba[o + 2] = sample(i, 2);
      rgba[o + 3] = colorType === 6 ? sample(i, 3) : 255;
    }
  }
  return { width, height, rgba };
}
