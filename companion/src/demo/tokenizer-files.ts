// The demo's tokenizer folder, in the format of a Stable Diffusion package's tokenizer/ (CLIP's byte-level BPE:
// vocab.json, merges.txt with "</w>" word ends, special_tokens_map.json, tokenizer_config.json), so ClipTokenizer
// reads it unchanged. The vocabulary is laid out as openai/CLIP simple_tokenizer.py builds its own: the 256 byte
// characters, the same with "</w>", one token per merge in rank order, then <|startoftext|> and <|endoftext|>.
// The merges are learnt by BPE (Sennrich et al. 2016, "Neural Machine Translation of Rare Words with Subword
// Units", Algorithm 1) on the grammar's words until each is one token; any other text still tokenizes, into bytes.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GRAMMAR_WORDS } from './scene.ts';

const END_OF_WORD = '</w>';
const BOS = '<|startoftext|>';
const EOS = '<|endoftext|>';

/** GPT-2/CLIP bytes_to_unicode: every byte to a printable character, printable ASCII and Latin-1 kept as themselves. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (const [lo, hi] of [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ] as const)
    for (let b = lo; b <= hi; b++) printable.push(b);
  const chars = printable.map((b) => String.fromCodePoint(b));
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (printable.includes(b)) continue;
    chars.push(String.fromCodePoint(256 + extra++));
  }
  // Indexed by vocabulary position (CLIP's order), not by byte value.
  return chars;
}

/** BPE merges, in rank order, that turn each word (lower-case ASCII) into one token. */
export function learnMerges(words: readonly string[]): string[] {
  let segmented = words.map((w) => [...w.slice(0, -1)].concat(w.slice(-1) + END_OF_WORD));
  const merges: string[] = [];
  for (;;) {
    const counts = new Map<string, number>();
    for (const parts of segmented)
      for (let i = 0; i + 1 < parts.length; i++)
        counts.set(`${parts[i]} ${parts[i + 1]}`, (counts.get(`${parts[i]} ${parts[i + 1]}`) ?? 0) + 1);
    if (counts.size === 0) return merges;
    // Most frequent pair; ties broken by the pair's text so that the files are the same on every run.
    const [best] = [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))[0]!;
    merges.push(best);
    const [left, right] = best.split(' ') as [string, string];
    segmented = segmented.map((parts) => {
      const out: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (i + 1 < parts.length && parts[i] === left && parts[i + 1] === right) {
          out.push(left + right);
          i++;
        } else out.push(parts[i]!);
      }
      return out;
    });
  }
}

export interface DemoVocabulary {
  readonly vocab: Record<string, number>;
  readonly merges: readonly string[];
}

export function demoVocabulary(words: readonly string[] = GRAMMAR_WORDS): DemoVocabulary {
  const bytes = bytesToUnicode();
  const merges = learnMerges([...new Set(words)]);
  const tokens = [...bytes, ...bytes.map((c) => c + END_OF_WORD), ...merges.map((m) => m.replace(' ', '')), BOS, EOS];
  return { vocab: Object.fromEntries(tokens.map((t, i) => [t, i])), merges };
}

export const vocabularySize = (v: DemoVocabulary): number => Object.keys(v.vocab).length;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Writes tokenizer/ for a text encoder reading `sequenceLength` tokens. */
export async function writeTokenizerFiles(
  dir: string,
  vocabulary: DemoVocabulary,
  sequenceLength: number,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const token = (content: string) => ({ content, lstrip: false, normalized: true, rstrip: false, single_word: false });
  await writeFile(join(dir, 'vocab.json'), `${JSON.stringify(vocabulary.vocab)}\n`);
  await writeFile(join(dir, 'merges.txt'), `#version: 0.2\n${vocabulary.merges.map((m) => `${m}\n`).join('')}`);
  await writeFile(
    join(dir, 'special_tokens_map.json'),
    json({ bos_token: token(BOS), eos_token: token(EOS), pad_token: EOS, unk_token: token(EOS) }),
  );
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    json({
      add_prefix_space: false,
      bos_token: token(BOS),
      do_lower_case: true,
      eos_token: token(EOS),
      errors: 'replace',
      model_max_length: sequenceLength,
      pad_token: EOS,
      tokenizer_class: 'CLIPTokenizer',
      unk_token: token(EOS),
    }),
  );
}
