import { describe, expect, it } from 'vitest';
import { bytesFromHexId, HexId, hexIdFromBytes, RequestId } from './ids.ts';

describe('hex ids', () => {
  it('round-trips 16 bytes through 32 lowercase hex characters', () => {
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const id = hexIdFromBytes(bytes);
    expect(id).toBe('00112233445566778899aabbccddeeff');
    expect(bytesFromHexId(id)).toEqual(bytes);
  });

  it('rejects uppercase, short and non-hex ids', () => {
    for (const id of ['00112233445566778899AABBCCDDEEFF', '0011', 'zz112233445566778899aabbccddeeff']) {
      expect(HexId.safeParse(id).success).toBe(false);
      expect(bytesFromHexId(id)).toBeNull();
    }
  });

  it('throws on a wrong byte count, which is a programming error rather than bad input', () => {
    expect(() => hexIdFromBytes(new Uint8Array(15))).toThrow(RangeError);
  });
});

describe('request ids', () => {
  it('accepts short tokens and rejects empty, long or odd ones', () => {
    expect(RequestId.safeParse('req-1.a:b_c').success).toBe(true);
    for (const id of ['', 'x'.repeat(65), 'has space', 'emoji🙂']) expect(RequestId.safeParse(id).success).toBe(false);
  });
});
