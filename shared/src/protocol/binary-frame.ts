// Images travel as binary WebSocket frames, never as base64 in JSON: a fixed 40-byte header, then the payload.
//
//   offset  size  field
//        0     4  magic "IMGF"
//        4     1  header version (BINARY_FRAME_VERSION)
//        5     1  kind (frameKindCodes)
//        6     1  format (imageFormatCodes)
//        7     1  flags, must be 0
//        8    16  id: the upload's frameId (kinds upload and mask) or the jobId (kind result)
//       24     2  output index (0 for uploads)
//       26     2  reserved, must be 0
//       28     4  width in pixels
//       32     4  height in pixels
//       36     4  payload length in bytes
//       40     n  payload
//
// All integers are big-endian. Reserved fields must be zero so a later header version can give them meaning.
import { MAX_IMAGE_BYTES, MAX_IMAGE_SIDE_PX, MAX_OUTPUTS_PER_JOB, MIN_IMAGE_SIDE_PX } from './defaults.ts';
import { bytesFromHexId, hexIdFromBytes, ID_BYTES, type HexId } from './ids.ts';
import { checkImagePayload, imageFormatCodes, imageFormatFromCode, type ImageFormat } from './image-format.ts';
import { reject, succeed, type Result } from './result.ts';

export const BINARY_FRAME_MAGIC = [0x49, 0x4d, 0x47, 0x46] as const; // "IMGF"
export const BINARY_FRAME_VERSION = 1;
export const BINARY_FRAME_HEADER_BYTES = 40;

/**
 * upload: a layer to edit; mask: where an edit may change its layer (EditRequest.region), PNG (grey, or with alpha)
 * or RGBA8, white or opaque = may change; result: an output.
 */
export type FrameKind = 'upload' | 'result' | 'mask';

/** Wire codes of frame kinds: never renumber, only add. */
export const frameKindCodes = { upload: 1, result: 2, mask: 3 } as const satisfies Record<FrameKind, number>;

export type BinaryFrame = {
  kind: FrameKind;
  id: HexId;
  index: number;
  width: number;
  height: number;
  format: ImageFormat;
  /** A view into the decoded buffer, not a copy. */
  payload: Uint8Array;
};

const kindFromCode = (code: number): FrameKind | null =>
  (Object.keys(frameKindCodes) as FrameKind[]).find((kind) => frameKindCodes[kind] === code) ?? null;

/** Validates every header field and the payload's signature; never throws on bad input. */
export function decodeBinaryFrame(data: Uint8Array | ArrayBuffer): Result<BinaryFrame> {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.length < BINARY_FRAME_HEADER_BYTES)
    return reject(
      'BAD_BINARY_FRAME',
      `frame is ${bytes.length} bytes, shorter than the ${BINARY_FRAME_HEADER_BYTES}-byte header`,
    );
  if (!BINARY_FRAME_MAGIC.every((b, i) => bytes[i] === b))
    return reject('BAD_BINARY_FRAME', 'frame does not start with the magic bytes "IMGF"');

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(4);
  if (version !== BINARY_FRAME_VERSION)
    return reject(
      'PROTOCOL_VERSION_MISMATCH',
      `binary frame header version ${version}, expected ${BINARY_FRAME_VERSION}`,
    );
  const kind = kindFromCode(view.getUint8(5));
  if (kind === null) return reject('BAD_BINARY_FRAME', `unknown frame kind ${view.getUint8(5)}`);
  const format = imageFormatFromCode(view.getUint8(6));
  if (format === null) return reject('IMAGE_UNSUPPORTED', `unknown image format code ${view.getUint8(6)}`);
  if (view.getUint8(7) !== 0 || view.getUint16(26) !== 0)
    return reject('BAD_BINARY_FRAME', 'reserved header fields must be zero');

  const index = view.getUint16(24);
  if (index >= MAX_OUTPUTS_PER_JOB)
    return reject('BAD_BINARY_FRAME', `output index ${index} is out of range (at most ${MAX_OUTPUTS_PER_JOB - 1})`);
  const width = view.getUint32(28);
  const height = view.getUint32(32);
  if (width > MAX_IMAGE_SIDE_PX || height > MAX_IMAGE_SIDE_PX)
    return reject('IMAGE_TOO_LARGE', `image is ${width}×${height}; at most ${MAX_IMAGE_SIDE_PX} px per side`);
  if (width < MIN_IMAGE_SIDE_PX || height < MIN_IMAGE_SIDE_PX)
    return reject('IMAGE_UNSUPPORTED', `image is ${width}×${height}; at least ${MIN_IMAGE_SIDE_PX} px per side`);

  const payloadLength = view.getUint32(36);
  if (payloadLength > MAX_IMAGE_BYTES)
    return reject('PAYLOAD_TOO_LARGE', `payload of ${payloadLength} bytes is over the ${MAX_IMAGE_BYTES}-byte limit`);
  const actual = bytes.length - BINARY_FRAME_HEADER_BYTES;
  if (payloadLength !== actual)
    return reject('BAD_BINARY_FRAME', `header says ${payloadLength} payload bytes, frame carries ${actual}`);

  const payload = bytes.subarray(BINARY_FRAME_HEADER_BYTES);
  const problem = checkImagePayload(format, payload, width, height);
  if (problem !== null) return reject('IMAGE_UNSUPPORTED', problem);

  return succeed({ kind, id: hexIdFromBytes(bytes.subarray(8, 8 + ID_BYTES)), index, width, height, format, payload });
}

/**
 * Builds a frame. It writes the header, then runs the decoder over the result, so the sender applies exactly
 * the receiver's rules; the payload is copied once.
 */
export function encodeBinaryFrame(frame: BinaryFrame): Result<Uint8Array> {
  const id = bytesFromHexId(frame.id);
  if (id === null) return reject('BAD_BINARY_FRAME', 'frame id must be 32 lowercase hex characters');
  const fitsField = (n: number, max: number) => Number.isInteger(n) && n >= 0 && n <= max;
  if (!fitsField(frame.index, 0xffff) || !fitsField(frame.width, 0xffffffff) || !fitsField(frame.height, 0xffffffff))
    return reject('BAD_BINARY_FRAME', 'index, width and height must be non-negative integers that fit their fields');
  if (frame.payload.length > MAX_IMAGE_BYTES)
    return reject(
      'PAYLOAD_TOO_LARGE',
      `payload of ${frame.payload.length} bytes is over the ${MAX_IMAGE_BYTES}-byte limit`,
    );

  const bytes = new Uint8Array(BINARY_FRAME_HEADER_BYTES + frame.payload.length);
  const view = new DataView(bytes.buffer);
  bytes.set(BINARY_FRAME_MAGIC, 0);
  view.setUint8(4, BINARY_FRAME_VERSION);
  view.setUint8(5, frameKindCodes[frame.kind]);
  view.setUint8(6, imageFormatCodes[frame.format]);
  bytes.set(id, 8);
  view.setUint16(24, frame.index);
  view.setUint32(28, frame.width);
  view.setUint32(32, frame.height);
  view.setUint32(36, frame.payload.length);
  bytes.set(frame.payload, BINARY_FRAME_HEADER_BYTES);

  const check = decodeBinaryFrame(bytes);
  return check.ok ? succeed(bytes) : check;
}
