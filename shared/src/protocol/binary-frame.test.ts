import { describe, expect, it } from 'vitest';
import { BINARY_FRAME_HEADER_BYTES, decodeBinaryFrame, encodeBinaryFrame, type BinaryFrame } from './binary-frame.ts';
import { MAX_IMAGE_BYTES } from './defaults.ts';
import type { Result } from './result.ts';
import { fakePng } from './testing/fake-png.ts';

const uploadFrame: BinaryFrame = {
  kind: 'upload',
  id: '9b1f6c2d8e3a4f5b0c7d1e2f3a4b5c6d',
  index: 0,
  width: 64,
  height: 48,
  format: 'png',
  payload: fakePng(64, 48),
};

const value = <T>(result: Result<T>): T => {
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  return result.value;
};

const codeOf = <T>(result: Result<T>) => (result.ok ? 'ok' : result.code);

/** Encodes a valid frame, then lets the test damage a copy of its bytes. */
const damaged = (damage: (bytes: Uint8Array, view: DataView) => Uint8Array | void): Uint8Array => {
  const bytes = value(encodeBinaryFrame(uploadFrame)).slice();
  return damage(bytes, new DataView(bytes.buffer)) ?? bytes;
};

describe('round trips', () => {
  it('decodes an encoded upload frame to the same fields and payload', () => {
    const bytes = value(encodeBinaryFrame(uploadFrame));
    expect(bytes.length).toBe(BINARY_FRAME_HEADER_BYTES + uploadFrame.payload.length);
    expect(value(decodeBinaryFrame(bytes))).toEqual(uploadFrame);
  });

  it('round-trips a raw RGBA8 result frame with a non-zero output index', () => {
    const frame: BinaryFrame = {
      ...uploadFrame,
      kind: 'result',
      index: 5,
      format: 'rgba8',
      width: 8,
      height: 9,
      payload: new Uint8Array(8 * 9 * 4).fill(7),
    };
    expect(value(decodeBinaryFrame(value(encodeBinaryFrame(frame))))).toEqual(frame);
  });

  it('round-trips a mask frame (kind code 3) and refuses a kind code no one has given', () => {
    const mask: BinaryFrame = { ...uploadFrame, kind: 'mask' };
    const bytes = value(encodeBinaryFrame(mask));
    expect(bytes[5]).toBe(3);
    expect(value(decodeBinaryFrame(bytes))).toEqual(mask);
    const unknown = bytes.slice();
    unknown[5] = 4;
    expect(codeOf(decodeBinaryFrame(unknown))).toBe('BAD_BINARY_FRAME');
  });

  it('round-trips a JPEG frame', () => {
    const frame: BinaryFrame = {
      ...uploadFrame,
      format: 'jpeg',
      payload: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2]),
    };
    expect(value(decodeBinaryFrame(value(encodeBinaryFrame(frame))))).toEqual(frame);
  });

  it('decodes from an ArrayBuffer and from a view that does not start at offset 0', () => {
    const bytes = value(encodeBinaryFrame(uploadFrame));
    expect(value(decodeBinaryFrame(bytes.slice().buffer)).id).toBe(uploadFrame.id);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(value(decodeBinaryFrame(padded.subarray(3))).width).toBe(64);
  });
});

describe('rejections', () => {
  it('rejects frames shorter than the header', () => {
    expect(codeOf(decodeBinaryFrame(new Uint8Array(0)))).toBe('BAD_BINARY_FRAME');
    expect(codeOf(decodeBinaryFrame(damaged((b) => b.subarray(0, BINARY_FRAME_HEADER_BYTES - 1))))).toBe(
      'BAD_BINARY_FRAME',
    );
  });

  it('rejects bad magic bytes', () => {
    expect(codeOf(decodeBinaryFrame(damaged((b) => void (b[0] = 0x50))))).toBe('BAD_BINARY_FRAME');
  });

  it('rejects another header version with PROTOCOL_VERSION_MISMATCH', () => {
    expect(codeOf(decodeBinaryFrame(damaged((_b, v) => v.setUint8(4, 2))))).toBe('PROTOCOL_VERSION_MISMATCH');
  });

  it.each([0, 4, 255])('rejects unknown kind %i', (kind) => {
    const result = decodeBinaryFrame(damaged((_b, v) => v.setUint8(5, kind)));
    expect(result).toMatchObject({ ok: false, code: 'BAD_BINARY_FRAME', message: expect.stringContaining('kind') });
  });

  it('rejects an unknown format code with IMAGE_UNSUPPORTED', () => {
    expect(codeOf(decodeBinaryFrame(damaged((_b, v) => v.setUint8(6, 9))))).toBe('IMAGE_UNSUPPORTED');
  });

  it('rejects non-zero flags and reserved bytes', () => {
    expect(codeOf(decodeBinaryFrame(damaged((_b, v) => v.setUint8(7, 1))))).toBe('BAD_BINARY_FRAME');
    expect(codeOf(decodeBinaryFrame(damaged((_b, v) => v.setUint16(26, 1))))).toBe('BAD_BINARY_FRAME');
  });

  it('rejects a declared payload length that differs from the bytes carried, either way', () => {
    const longer = decodeBinaryFrame(damaged((_b, v) => v.setUint32(36, uploadFrame.payload.length + 1)));
    expect(longer).toMatchObject({
      ok: false,
      code: 'BAD_BINARY_FRAME',
      message: expect.stringContaining('payload bytes'),
    });
    const appended = damaged((b) => {
      const more = new Uint8Array(b.length + 1);
      more.set(b);
      return more;
    });
    expect(codeOf(decodeBinaryFrame(appended))).toBe('BAD_BINARY_FRAME');
  });

  it('rejects a declared length over the image limit with PAYLOAD_TOO_LARGE', () => {
    expect(codeOf(decodeBinaryFrame(damaged((_b, v) => v.setUint32(36, MAX_IMAGE_BYTES + 1))))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('rejects sizes outside 8..4096 px', () => {
    expect(codeOf(decodeBinaryFrame(damaged((_b, v) => v.setUint32(28, 4097))))).toBe('IMAGE_TOO_LARGE');
    expect(codeOf(decodeBinaryFrame(damaged((_b, v) => v.setUint32(32, 0))))).toBe('IMAGE_UNSUPPORTED');
  });

  it('rejects an output index past the per-job output limit', () => {
    expect(codeOf(decodeBinaryFrame(damaged((_b, v) => v.setUint16(24, 64))))).toBe('BAD_BINARY_FRAME');
  });

  it('rejects a payload that is not the declared format or size', () => {
    expect(codeOf(decodeBinaryFrame(damaged((b) => void (b[BINARY_FRAME_HEADER_BYTES] = 0))))).toBe(
      'IMAGE_UNSUPPORTED',
    );
    const wrongSize = encodeBinaryFrame({ ...uploadFrame, payload: fakePng(65, 48) });
    expect(wrongSize).toMatchObject({
      ok: false,
      code: 'IMAGE_UNSUPPORTED',
      message: expect.stringContaining('65×48'),
    });
    const shortRgba = encodeBinaryFrame({ ...uploadFrame, format: 'rgba8', payload: new Uint8Array(10) });
    expect(codeOf(shortRgba)).toBe('IMAGE_UNSUPPORTED');
  });

  it('refuses to encode a bad id or out-of-range fields instead of writing a broken frame', () => {
    expect(codeOf(encodeBinaryFrame({ ...uploadFrame, id: 'not-hex' }))).toBe('BAD_BINARY_FRAME');
    expect(codeOf(encodeBinaryFrame({ ...uploadFrame, index: -1 }))).toBe('BAD_BINARY_FRAME');
    expect(codeOf(encodeBinaryFrame({ ...uploadFrame, width: 1.5 }))).toBe('BAD_BINARY_FRAME');
  });
});
