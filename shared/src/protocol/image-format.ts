// Image encodings that travel in binary frames. One row per format: its header code and how to recognise it.
import * as z from 'zod';

export const ImageFormat = z.enum(['png', 'jpeg', 'rgba8']);
export type ImageFormat = z.infer<typeof ImageFormat>;

/** The format's byte in a binary frame header. Codes are part of the wire format: never renumber, only add. */
export const imageFormatCodes = { png: 1, jpeg: 2, rgba8: 3 } as const satisfies Record<ImageFormat, number>;

export const imageFormatFromCode = (code: number): ImageFormat | null => {
  for (const format of ImageFormat.options) if (imageFormatCodes[format] === code) return format;
  return null;
};

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SOI = [0xff, 0xd8, 0xff];

const startsWith = (bytes: Uint8Array, prefix: readonly number[]): boolean =>
  bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);

/** Width and height from a PNG's IHDR chunk (which the PNG spec requires to come first), or null if not a PNG. */
export const readPngSize = (bytes: Uint8Array): { width: number; height: number } | null => {
  // Signature (8) + chunk length (4) + "IHDR" (4) + width (4) + height (4).
  if (bytes.length < 24 || !startsWith(bytes, PNG_SIGNATURE)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(12) !== 0x49484452) return null;
  return { width: view.getUint32(16), height: view.getUint32(20) };
};

/**
 * Checks that a payload looks like the declared format at the declared size, without decoding it. Returns a
 * reason when it does not. JPEG sizes are left to the decoder: finding them means walking the segment list.
 */
export const checkImagePayload = (
  format: ImageFormat,
  payload: Uint8Array,
  width: number,
  height: number,
): string | null => {
  switch (format) {
    case 'png': {
      const size = readPngSize(payload);
      if (size === null) return 'payload is not a PNG (bad signature or missing IHDR)';
      if (size.width !== width || size.height !== height)
        return `PNG is ${size.width}×${size.height} but the header says ${width}×${height}`;
      return null;
    }
    case 'jpeg':
      return startsWith(payload, JPEG_SOI) ? null : 'payload is not a JPEG (missing SOI marker)';
    case 'rgba8':
      return payload.length === width * height * 4
        ? null
        : `raw RGBA8 ${width}×${height} needs ${width * height * 4} bytes, got ${payload.length}`;
  }
};
