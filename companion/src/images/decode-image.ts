// Untrusted image bytes → 8-bit sRGB RGBA pixels, through sharp (libvips). The order matters for safety:
// 1. sniff the magic bytes, so only the PNG, JPEG and WebP loaders ever see the input (no SVG, TIFF, GIF…);
// 2. read the header only (sharp `metadata()`), and refuse an image over the pixel cap before any pixel is decoded;
// 3. decode with sharp's own `limitInputPixels` set to the same cap, as a second guard.
// Every failure is an ImagicError (IMAGE_TOO_LARGE or IMAGE_UNSUPPORTED); nothing from sharp escapes uncoded.
import sharp, { type Metadata } from 'sharp';
import { fail, ImagicError } from '../errors.ts';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** Straight (not premultiplied) 8-bit sRGB RGBA pixels, row-major, 4 bytes per pixel. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

export interface DecodedImage extends RgbaImage {
  /** The source had an alpha channel (an RGBA or grey+alpha image, or a palette PNG with tRNS). */
  readonly hasAlpha: boolean;
  readonly format: ImageFormat;
}

export interface DecodeImageOptions {
  /** Largest width × height accepted; checked against the header before decoding. */
  readonly maxPixels: number;
}

const SUPPORTED =
  'Send a PNG (8- or 16-bit, RGB, grey or palette, with or without alpha), a JPEG (RGB, grey or CMYK) or a still WebP';

// Magic numbers: PNG spec §5.2; JPEG SOI marker followed by any marker; WebP = RIFF container with form type "WEBP".
const signatures: ReadonlyArray<{ format: ImageFormat; matches: (b: Uint8Array) => boolean }> = [
  { format: 'png', matches: (b) => startsWith(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { format: 'jpeg', matches: (b) => startsWith(b, 0, [0xff, 0xd8, 0xff]) },
  {
    format: 'webp',
    matches: (b) => startsWith(b, 0, [0x52, 0x49, 0x46, 0x46]) && startsWith(b, 8, [0x57, 0x45, 0x42, 0x50]),
  },
];

const startsWith = (bytes: Uint8Array, offset: number, magic: readonly number[]): boolean =>
  bytes.length >= offset + magic.length && magic.every((byte, i) => bytes[offset + i] === byte);

/** The container format named by the leading magic bytes, or undefined for anything else. */
export const sniffImageFormat = (bytes: Uint8Array): ImageFormat | undefined =>
  signatures.find((s) => s.matches(bytes))?.format;

/**
 * Decodes a PNG, JPEG or WebP into 8-bit sRGB RGBA at its stored size, EXIF orientation applied (so the model sees
 * the image upright, as viewers show it). 16-bit and palette PNGs, grey and CMYK JPEGs and embedded ICC profiles
 * are converted to sRGB. An image with no alpha gets an opaque alpha channel.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeImageOptions): Promise<DecodedImage> {
  const { maxPixels } = options;
  if (!Number.isSafeInteger(maxPixels) || maxPixels < 1)
    throw new RangeError(`maxPixels must be a positive integer, got ${maxPixels}`);
  if (bytes.length === 0) return fail('IMAGE_UNSUPPORTED', `the image is empty (0 bytes). ${SUPPORTED}.`);
  const format = sniffImageFormat(bytes);
  if (format === undefined)
    return fail('IMAGE_UNSUPPORTED', `the bytes are not a PNG, JPEG or WebP image. ${SUPPORTED}.`);

  const header = await readHeader(bytes, format);
  const pixels = header.width * header.height;
  if (pixels > maxPixels) {
    return fail(
      'IMAGE_TOO_LARGE',
      `the ${format} is ${header.width}×${header.height} (${pixels} pixels); the limit is ${maxPixels} pixels`,
    );
  }
  if ((header.pages ?? 1) > 1)
    return fail('IMAGE_UNSUPPORTED', `the ${format} is animated (${header.pages} frames). ${SUPPORTED}.`);

  const { data, info } = await sharpCall(format, () =>
    sharp(bytes, { limitInputPixels: maxPixels, failOn: 'warning', autoOrient: true })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }),
  );
  if (info.channels !== 4 || data.length !== info.width * info.height * 4) {
    return fail(
      'INTERNAL',
      `decodeImage: sharp returned ${info.channels} channels, ${data.length} bytes for ${info.width}×${info.height}`,
    );
  }
  return {
    width: info.width,
    height: info.height,
    rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    hasAlpha: header.hasAlpha,
    format,
  };
}

async function readHeader(bytes: Uint8Array, format: ImageFormat): Promise<Metadata> {
  // The header read itself is unlimited, so that the caller can report an oversized image with its size rather
  // than as sharp's generic limit error; metadata() parses the header and never allocates the pixels.
  const header = await sharpCall(format, () => sharp(bytes, { limitInputPixels: false, failOn: 'warning' }).metadata());
  if (header.format !== format) {
    return fail(
      'IMAGE_UNSUPPORTED',
      `the bytes start like a ${format} but sharp read them as ${header.format}. ${SUPPORTED}.`,
    );
  }
  if (!(header.width >= 1 && header.height >= 1)) {
    return fail(
      'IMAGE_UNSUPPORTED',
      `the ${format} header gives no size (${header.width}×${header.height}). ${SUPPORTED}.`,
    );
  }
  return header;
}

/** Runs one sharp call and turns its errors into coded ones: the limit into IMAGE_TOO_LARGE, the rest (corrupt, truncated) into IMAGE_UNSUPPORTED. */
async function sharpCall<T>(format: ImageFormat, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ImagicError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    if (/exceeds pixel limit/i.test(reason))
      return fail('IMAGE_TOO_LARGE', `the ${format} is over the pixel limit (${reason})`, err);
    return fail(
      'IMAGE_UNSUPPORTED',
      `the ${format} could not be decoded (${reason.trim()}); it may be corrupt or truncated. ${SUPPORTED}.`,
      err,
    );
  }
}
