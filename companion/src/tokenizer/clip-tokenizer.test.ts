import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImagicError } from '../errors.ts';
import { ClipTokenizer } from './clip-tokenizer.ts';

// A 544-token CLIP vocabulary (256 byte characters, the same with </w>, 30 real CLIP merges, the two special tokens)
// built by tests/fixtures/tokenizer/make-fixture.py. The expected ids below are what openai/CLIP's
// simple_tokenizer.py gives with these files; the script prints them.
const FIXTURE = fileURLToPath(new URL('../../../tests/fixtures/tokenizer', import.meta.url));
const BOS = 542; // <|startoftext|>
const EOS = 543; // <|endoftext|>
const A = 320; // a</w>, the same id as in the real CLIP vocabulary (byte-level tokens come first in both)
const PHOTO = 531;
const OF = 520;
const CAT = 533;
const DOG = 532;
const COMMA = 267;

let tokenizer: ClipTokenizer;
const scratchDirs: string[] = [];

beforeAll(async () => {
  tokenizer = await ClipTokenizer.fromFiles(FIXTURE);
});

afterEach(async () => {
  await Promise.all(scratchDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A copy of the fixture with some files replaced (content) or removed (null). */
async function fixtureWith(files: Record<string, string | null>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'imagic-tokenizer-'));
  scratchDirs.push(dir);
  await cp(FIXTURE, dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await (content === null ? rm(path.join(dir, name)) : writeFile(path.join(dir, name), content));
  }
  return dir;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImagicError);
  expect((err as ImagicError).code).toBe(code);
}

describe('ClipTokenizer learned words', () => {
  it('reads each learned word as one token after the vocabulary, wherever it stands, in any case', () => {
    const learned = tokenizer.withLearnedTokens(['<my-logo>', '<mascot>']);
    expect(learned.baseVocabularySize).toBe(544);
    expect([...learned.learnedIds]).toEqual([
      ['<my-logo>', 544],
      ['<mascot>', 545],
    ]);
    expect(learned.tokenize('a photo of a <my-logo>')).toEqual([A, PHOTO, OF, A, 544]);
    expect(learned.tokenize('a <MASCOT>, a cat')).toEqual([A, 545, COMMA, A, CAT]);
    // Without them, the same text is bytes and merges.
    expect(tokenizer.tokenize('a <mascot>')).not.toContain(545);
  });

  it('refuses a learned word the vocabulary already has', () => {
    expect(() => tokenizer.withLearnedTokens(['cat'])).toThrow(/already in this model's vocabulary/);
  });
});

describe('ClipTokenizer', () => {
  describe('#tokenize', () => {
    it.each([
      ['a photo of a cat', [A, PHOTO, OF, A, CAT]],
      ["a sitting dog's photo", [A, 538, DOG, 523, PHOTO]],
      ['2 cats, naïve café', [273, 536, COMMA, 530, 541, 522, 539]],
      ["the dog's", [514, DOG, 523]],
      ['', []],
    ])('gives the ids simple_tokenizer.py gives for %j', (text, ids) => {
      expect(tokenizer.tokenize(text)).toEqual(ids);
    });

    it('lower-cases and collapses whitespace as CLIP does', () => {
      expect(tokenizer.tokenize('A  Photo\tof a DOG!')).toEqual([A, PHOTO, OF, A, DOG, 256]);
      expect(tokenizer.tokenize('  a\n\nphoto  ')).toEqual([A, PHOTO]);
    });

    it('spells characters with no merges as byte tokens, never as the unknown token', () => {
      // 🐱 is F0 9F 90 B1 in UTF-8; bytes_to_unicode places these bytes at 172, 253, 238 and, with </w>, 109 + 256.
      expect(tokenizer.tokenize('🐱')).toEqual([172, 253, 238, 365]);
      expect(tokenizer.decode(tokenizer.tokenize('a 🐱'))).toBe('a 🐱');
      expect(tokenizer.decode(tokenizer.encode('a 🐱'))).toBe('a 🐱');
    });

    it('reads the special tokens typed in a prompt as special tokens, as CLIP does', () => {
      expect(tokenizer.tokenize('a cat <|endoftext|> dog')).toEqual([A, CAT, EOS, DOG]);
    });
  });

  describe('#encode', () => {
    it('frames the text with the start and end tokens and pads to model_max_length with the pad token', () => {
      const ids = tokenizer.encode('a photo of a cat');
      expect(ids).toBeInstanceOf(Int32Array);
      expect(ids.length).toBe(77);
      expect([...ids.subarray(0, 7)]).toEqual([BOS, A, PHOTO, OF, A, CAT, EOS]);
      expect(ids.subarray(7).every((id) => id === EOS)).toBe(true); // SD 1.x pads with <|endoftext|>
    });

    it('pads to the length it is given', () => {
      expect([...tokenizer.encode('a cat', { length: 6 })]).toEqual([BOS, A, CAT, EOS, EOS, EOS]);
    });

    it('truncates a long text and keeps the end token last', () => {
      const ids = tokenizer.encode('a photo of a cat, a photo of a dog', { length: 8 });
      expect([...ids]).toEqual([BOS, A, PHOTO, OF, A, CAT, COMMA, EOS]);
    });

    it('truncates nothing when the text fills the length exactly', () => {
      expect([...tokenizer.encode('a photo of a cat', { length: 7 })]).toEqual([BOS, A, PHOTO, OF, A, CAT, EOS]);
    });

    it('gives just the start and end tokens for an empty text', () => {
      expect([...tokenizer.encode('', { length: 4 })]).toEqual([BOS, EOS, EOS, EOS]);
    });

    it('rejects a length with no room for the start and end tokens', () => {
      expect(() => tokenizer.encode('a', { length: 1 })).toThrow(RangeError);
    });
  });

  describe('.fromFiles', () => {
    it('reads bos, eos, pad and the sequence length from the package', () => {
      expect([tokenizer.bosId, tokenizer.eosId, tokenizer.padId, tokenizer.maxLength]).toEqual([BOS, EOS, EOS, 77]);
    });

    it('pads with the pad token the package names (SD 2.x pads with "!", id 0)', async () => {
      const dir = await fixtureWith({ 'special_tokens_map.json': JSON.stringify({ pad_token: '!' }) });
      const sd2 = await ClipTokenizer.fromFiles(dir);
      expect(sd2.padId).toBe(0);
      expect([...sd2.encode('a cat', { length: 6 })]).toEqual([BOS, A, CAT, EOS, 0, 0]);
    });

    it('falls back to CLIP defaults without the optional files, and then needs an explicit length', async () => {
      const dir = await fixtureWith({ 'special_tokens_map.json': null, 'tokenizer_config.json': null });
      const bare = await ClipTokenizer.fromFiles(dir);
      expect([bare.bosId, bare.eosId, bare.padId, bare.maxLength]).toEqual([BOS, EOS, EOS, undefined]);
      expect(() => bare.encode('a cat')).toThrow(/length/);
      expect([...bare.encode('a cat', { length: 5 })]).toEqual([BOS, A, CAT, EOS, EOS]);
    });

    it('ignores the "no limit" model_max_length that transformers writes', async () => {
      const dir = await fixtureWith({ 'tokenizer_config.json': JSON.stringify({ model_max_length: 1e30 }) });
      expect((await ClipTokenizer.fromFiles(dir)).maxLength).toBeUndefined();
    });

    it('refuses a folder without vocab.json with FILE_NOT_FOUND', async () => {
      await expectCode(ClipTokenizer.fromFiles(await fixtureWith({ 'vocab.json': null })), 'FILE_NOT_FOUND');
      await expectCode(ClipTokenizer.fromFiles(await fixtureWith({ 'merges.txt': null })), 'FILE_NOT_FOUND');
    });

    it.each([
      ['vocab.json that is not JSON', { 'vocab.json': '{"a": 1,' }],
      ['vocab.json with a non-integer id', { 'vocab.json': '{"a": "one"}' }],
      ['a merges.txt line that is not a pair', { 'merges.txt': '#version: 0.2\na b c\n' }],
      ['a pad token missing from the vocabulary', { 'special_tokens_map.json': '{"pad_token": "<pad>"}' }],
      [
        'a model_max_length with no room for the start and end tokens',
        { 'tokenizer_config.json': '{"model_max_length": 1}' },
      ],
    ])('refuses %s with MODEL_INVALID', async (_, files) => {
      await expectCode(ClipTokenizer.fromFiles(await fixtureWith(files)), 'MODEL_INVALID');
    });
  });
});
