import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { DEMO_CONFIG } from './demo-config.ts';
import { BACKGROUNDS, caption, COLOURS, GRAMMAR_WORDS, SHAPES } from './scene.ts';
import { demoVocabulary, writeTokenizerFiles } from './tokenizer-files.ts';

const dir = await mkdtemp(join(tmpdir(), 'imagic-demo-tokenizer-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the demo tokenizer files', () => {
  it('are read by ClipTokenizer, one token per grammar word', async () => {
    const T = DEMO_CONFIG.text.sequenceLength;
    await writeTokenizerFiles(dir, demoVocabulary(), T);
    const tokenizer = await ClipTokenizer.fromFiles(dir);
    expect(tokenizer.maxLength).toBe(T);
    for (const word of GRAMMAR_WORDS) expect(tokenizer.tokenize(word)).toHaveLength(1);
    const longest = Math.max(
      ...SHAPES.flatMap((shape) =>
        COLOURS.flatMap((colour) =>
          BACKGROUNDS.map((background) => tokenizer.tokenize(caption({ shape, colour, background })).length),
        ),
      ),
    );
    expect(longest + 2).toBeLessThanOrEqual(T);
  });

  it('round-trips captions and falls back to bytes for other text', async () => {
    const tokenizer = await ClipTokenizer.fromFiles(dir);
    expect(tokenizer.decode(tokenizer.encode('a red circle on a white background'))).toBe(
      'a red circle on a white background',
    );
    expect(tokenizer.decode(tokenizer.encode('A Purple cat!'))).toBe('a purple cat !');
  });

  it('are the same bytes on every run', () => {
    expect(demoVocabulary()).toEqual(demoVocabulary());
  });
});
