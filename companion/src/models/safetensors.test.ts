import { describe, expect, it } from 'vitest';
import { float32Of, readSafetensors, writeSafetensors } from './safetensors.ts';

/** A file as the format's README lays it out: u64 LE header length, the JSON header, the data. */
function fileOf(header: unknown, data: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}
const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);
const u16 = (...v: number[]) => new Uint8Array(Uint16Array.from(v).buffer);
const weight = { weight: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } };

describe('readSafetensors', () => {
  it("reads the format's example: a 2×2 F32 tensor and string metadata", () => {
    const file = readSafetensors(fileOf({ __metadata__: { format: 'pt' }, ...weight }, f32(1, 2, 3, 4)));
    expect(file.metadata).toEqual({ format: 'pt' });
    const t = file.tensors.get('weight')!;
    expect([t.dtype, t.shape]).toEqual(['F32', [2, 2]]);
    expect([...float32Of('weight', t)]).toEqual([1, 2, 3, 4]);
  });

  it('converts F16 and BF16 to float32', () => {
    const half = { h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] }, b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] } };
    const data = new Uint8Array([...u16(0x3c00, 0xc000, 0x3800, 0x7bff), ...u16(0x3f80, 0xc040)]);
    const file = readSafetensors(fileOf(half, data));
    expect([...float32Of('h', file.tensors.get('h')!)]).toEqual([1, -2, 0.5, 65504]);
    expect([...float32Of('b', file.tensors.get('b')!)]).toEqual([1, -3]);
  });

  it.each([
    ['a short file', new Uint8Array(5), /shorter than the 8-byte/],
    ['a header length past the end', (() => { const b = fileOf(weight, f32(1, 2, 3, 4)); new DataView(b.buffer).setBigUint64(0, 10_000n, true); return b; })(), /runs past/],
    ['a header of over 100 MB', (() => { const b = fileOf(weight, f32(1, 2, 3, 4)); new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true); return b; })(), /100 MB/],
    ['a header that is not JSON', fileOf(null, f32(1), '{"weight": '), /not UTF-8 JSON/],
    ['a header that is a list', fileOf([1, 2], new Uint8Array()), /not a JSON object/],
    ['an unknown dtype', fileOf({ w: { dtype: 'F128', shape: [1], data_offsets: [0, 4] } }, f32(1)), /unknown dtype/],
    ['a range past the buffer', fileOf({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32(1)), /spans bytes 0–8 of a 4-byte/],
    ['a size that is not dtype × shape', fileOf({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32(1, 2)), /holds 8 bytes/],
    ['overlapping tensors', fileOf({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(1, 2)), /overlaps or has a gap/],
    ['bytes no tensor claims', fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32(1, 2)), /end at byte 4 of a 8-byte/],
    ['metadata that is not text', fileOf({ __metadata__: { epoch: 3 } }, new Uint8Array()), /__metadata__\.epoch is not a string/],
  ])('refuses %s with SAFETENSORS_INVALID', (_what, bytes, message) => {
    expect(() => readSafetensors(bytes)).toThrow(message);
    try {
      readSafetensors(bytes);
    } catch (err) {
      expect((err as { code: string }).code).toBe('SAFETENSORS_INVALID');
    }
  });
});

describe('writeSafetensors', () => {
  it('writes what it reads back, with the header padded to 8 bytes by spaces, and checks sizes', () => {
    const data = Float32Array.from([0.25, -1, 3.5]);
    const bytes = writeSafetensors({ '<x>': { dtype: 'F32', shape: [3], data } }, { trained_by: 'imagic' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(header.trimEnd()).toBe(
      '{"__metadata__":{"trained_by":"imagic"},"<x>":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}',
    );
    expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/);
    const back = readSafetensors(bytes);
    expect([...float32Of('<x>', back.tensors.get('<x>')!)]).toEqual([0.25, -1, 3.5]);
    expect(back.metadata).toEqual({ trained_by: 'imagic' });
    expect(() => writeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data } })).toThrow(/needs 16 bytes, got 12/);
  });
});
