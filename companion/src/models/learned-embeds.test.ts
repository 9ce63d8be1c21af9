import { describe, expect, it } from 'vitest';
import { readLearnedEmbeds, writeLearnedEmbeds } from './learned-embeds.ts';
import { writeSafetensors } from './safetensors.ts';

const vector = (d: number, k = 1) => Float32Array.from({ length: d }, (_, i) => Math.sin(k * i));

describe('learned_embeds.safetensors', () => {
  it('round-trips words in the layout diffusers writes (one F32 [d] tensor per token)', () => {
    const words = [
      { token: '<logo>', vector: vector(8) },
      { token: '<mascot>', vector: vector(8, 2) },
    ];
    const back = readLearnedEmbeds(writeLearnedEmbeds(words), 8);
    expect(back.map((w) => w.token)).toEqual(['<logo>', '<mascot>']);
    expect(back.map((w) => [...w.vector])).toEqual(words.map((w) => [...w.vector]));
  });

  it('reads a [1, d] vector, and F16 values, as other trainers save them', () => {
    const half = new Uint8Array(new Uint16Array([0x3c00, 0xbc00, 0x0000, 0x4000]).buffer);
    const file = writeSafetensors({ '<x>': { dtype: 'F16', shape: [1, 4], bytes: half } });
    expect([...readLearnedEmbeds(file, 4)[0]!.vector]).toEqual([1, -1, 0, 2]);
  });

  it.each([
    ['another width', { '<x>': { dtype: 'F32', shape: [1024], data: vector(1024) } }, /1024 values per vector; this model's text encoder takes 768/],
    ['several vectors', { '<x>': { dtype: 'F32', shape: [3, 768], data: vector(3 * 768) } }, /holds 3 vectors/],
    ['a token with a space', { 'my logo': { dtype: 'F32', shape: [768], data: vector(768) } }, /without spaces/],
  ] as const)('refuses %s, naming the mismatch', (_what, tensors, message) => {
    expect(() => readLearnedEmbeds(writeSafetensors(tensors), 768)).toThrow(message);
  });

  it('refuses a file with no words, and one that is not safetensors', () => {
    expect(() => readLearnedEmbeds(writeSafetensors({}), 768)).toThrow(/no learned word/);
    expect(() => readLearnedEmbeds(new TextEncoder().encode('PK\u0003\u0004 a zip file'), 768)).toThrow(
      /not a valid safetensors file/,
    );
  });
});
