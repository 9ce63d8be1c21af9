// The CLIP text tokenizer of a diffusers Stable Diffusion package (its tokenizer/ folder: vocab.json, merges.txt,
// special_tokens_map.json, tokenizer_config.json), run by @huggingface/tokenizers.
//
// Those packages ship the slow-tokenizer files, not a tokenizer.json, so `clipTokenizerJson` assembles the pipeline
// that transformers' CLIPConverter writes for CLIPTokenizerFast, which reproduces openai/CLIP simple_tokenizer.py:
//   normalise   NFC, runs of whitespace → one space, lower-case      (whitespace_clean(...).lower())
//   pre-split   CLIP's regex: 's 't 're 've 'm 'll 'd, letter runs, single digits, runs of other non-space
//   bytes       each piece as UTF-8 bytes mapped to printable characters            (bytes_to_unicode)
//   BPE         merges by rank, "</w>" appended to a piece's last character      (SimpleTokenizer.bpe)
// Not reproduced: simple_tokenizer's ftfy.fix_text and html.unescape (transformers' fast tokenizer skips them too);
// they only change mojibake and HTML entities such as "&amp;".
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { fail } from '../errors.ts';

/** CLIP's pre-tokenisation pattern (simple_tokenizer.py `self.pat`, minus the two special tokens, which are added tokens here). */
const CLIP_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`;
const END_OF_WORD = '</w>';

/** transformers' CLIPTokenizer defaults, used when the package's JSON files do not name a token. */
const DEFAULT_SPECIAL_TOKENS: SpecialTokens = {
  bos: '<|startoftext|>',
  eos: '<|endoftext|>',
  pad: '<|endoftext|>',
  unk: '<|endoftext|>',
};

/** transformers writes model_max_length = int(1e30) for "no limit"; anything this large is not an encoder length. */
const UNLIMITED_LENGTH = 1e9;

export interface SpecialTokens {
  readonly bos: string;
  readonly eos: string;
  readonly pad: string;
  readonly unk: string;
}

export interface ClipVocabulary {
  /** Token → id, as in vocab.json. */
  readonly vocab: Readonly<Record<string, number>>;
  /** Merge rules in rank order, each "left right", as in merges.txt without its "#version" line. */
  readonly merges: readonly string[];
  readonly specialTokens?: Partial<SpecialTokens>;
  /** The text encoder's sequence length (tokenizer_config.json `model_max_length`, 77 for CLIP). */
  readonly maxLength?: number;
  /**
   * Learned words (Textual Inversion's placeholder tokens, e.g. "<my-logo>"), each read as one token wherever it
   * appears, with ids after the vocabulary's last, in this order: the rows the text encoder's token table gains.
   */
  readonly learnedTokens?: readonly string[];
}

export interface ClipEncodeOptions {
  /** Sequence length to pad or truncate to; defaults to the tokenizer's `maxLength`. */
  readonly length?: number;
}

export class ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** The encoder's sequence length from the package, if it names one. */
  readonly maxLength: number | undefined;
  /** The id of each learned word (ClipVocabulary.learnedTokens). */
  readonly learnedIds: ReadonlyMap<string, number>;
  private readonly tokenizer: Tokenizer;

  constructor(private readonly source: ClipVocabulary) {
    const { vocab, merges, specialTokens = {}, maxLength, learnedTokens = [] } = source;
    const special: SpecialTokens = { ...DEFAULT_SPECIAL_TOKENS, ...specialTokens };
    const idOf = (role: keyof SpecialTokens): number => {
      const id = vocab[special[role]];
      return (
        id ??
        fail(
          'MODEL_INVALID',
          `tokenizer: the ${role} token '${special[role]}' is not in vocab.json; check special_tokens_map.json`,
        )
      );
    };
    this.bosId = idOf('bos');
    this.eosId = idOf('eos');
    this.padId = idOf('pad');
    idOf('unk');
    if (maxLength !== undefined && !(Number.isSafeInteger(maxLength) && maxLength >= 2)) {
      throw new RangeError(`maxLength must be an integer ≥ 2 (room for the start and end tokens), got ${maxLength}`);
    }
    this.maxLength = maxLength;
    const first = Math.max(...Object.values(vocab)) + 1;
    this.learnedIds = new Map(learnedTokens.map((token, i) => [token, first + i]));
    for (const token of learnedTokens)
      if (Object.hasOwn(vocab, token) || Object.hasOwn(vocab, `${token}</w>`))
        fail(
          'INVALID_SPEC',
          `the word ${JSON.stringify(token)} is already in this model's vocabulary; learn a new token, e.g. "<${token}>"`,
        );
    this.tokenizer = new Tokenizer(
      clipTokenizerJson(vocab, merges, special, this.bosId, this.eosId, [...this.learnedIds]),
      {},
    );
  }

  /** The vocabulary's size without learned words: the first learned word's id. */
  get baseVocabularySize(): number {
    return Math.max(...Object.values(this.source.vocab)) + 1;
  }

  /** Whether the vocabulary has `word` as one token (a learned word cannot be one of its words). */
  inVocabulary(word: string): boolean {
    const { vocab } = this.source;
    return Object.hasOwn(vocab, word) || Object.hasOwn(vocab, `${word}</w>`);
  }

  /** This tokenizer with `tokens` as learned words (replacing any it had). */
  withLearnedTokens(tokens: readonly string[]): ClipTokenizer {
    return new ClipTokenizer({ ...this.source, learnedTokens: tokens });
  }

  /**
   * Reads a CLIP tokenizer from a diffusers package's tokenizer folder (`<model>/tokenizer`): vocab.json and
   * merges.txt are required; special_tokens_map.json and tokenizer_config.json, when present, name the
   * start/end/pad tokens (SD 1.x pads with <|endoftext|>, SD 2.x with "!") and the sequence length.
   */
  static async fromFiles(dir: string): Promise<ClipTokenizer> {
    const vocab = parseWith(vocabSchema, await readJson(dir, 'vocab.json', true), 'vocab.json');
    const merges = parseMerges(await readText(dir, 'merges.txt'));
    const map = parseWith(
      configSchema,
      (await readJson(dir, 'special_tokens_map.json', false)) ?? {},
      'special_tokens_map.json',
    );
    const config = parseWith(
      configSchema,
      (await readJson(dir, 'tokenizer_config.json', false)) ?? {},
      'tokenizer_config.json',
    );
    const specialTokens: Partial<Record<keyof SpecialTokens, string>> = {};
    for (const role of ['bos', 'eos', 'pad', 'unk'] as const) {
      // special_tokens_map.json wins over tokenizer_config.json, as in transformers' from_pretrained.
      const token = map[`${role}_token`] ?? config[`${role}_token`];
      if (token !== undefined) specialTokens[role] = token;
    }
    const length = config.model_max_length;
    if (length === undefined || length >= UNLIMITED_LENGTH) return new ClipTokenizer({ vocab, merges, specialTokens });
    if (!(Number.isSafeInteger(length) && length >= 2))
      fail('MODEL_INVALID', `tokenizer: tokenizer_config.json model_max_length ${length} is not an integer ≥ 2`);
    return new ClipTokenizer({ vocab, merges, specialTokens, maxLength: length });
  }

  /** The ids of `text` alone: no start or end token, no padding, no truncation. */
  tokenize(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * The encoder input for `text`, as CLIP frames it: the start token, the text's tokens (truncated so that
   * the end token still fits), the end token, then the pad token up to `length`.
   */
  encode(text: string, { length = this.maxLength }: ClipEncodeOptions = {}): Int32Array {
    if (length === undefined)
      throw new RangeError('encode: pass { length }; the tokenizer files name no model_max_length');
    if (!(Number.isSafeInteger(length) && length >= 2))
      throw new RangeError(`encode: length must be an integer ≥ 2, got ${length}`);
    const content = this.tokenize(text).slice(0, length - 2);
    const ids = new Int32Array(length).fill(this.padId);
    ids[0] = this.bosId;
    ids.set(content, 1);
    ids[content.length + 1] = this.eosId;
    return ids;
  }

  /** Text from ids (for logs and tests): a leading start token is dropped, and everything from the first end token on. */
  decode(ids: ArrayLike<number>): string {
    const list = Array.from(ids);
    const start = list[0] === this.bosId ? 1 : 0;
    const end = list.indexOf(this.eosId, start);
    const kept = list.slice(start, end === -1 ? undefined : end);
    return kept.length === 0 ? '' : this.tokenizer.decode(kept, { clean_up_tokenization_spaces: false }).trim();
  }
}

/** The tokenizer.json that transformers' CLIPConverter writes for these files (convert_slow_tokenizer.py). */
function clipTokenizerJson(
  vocab: Readonly<Record<string, number>>,
  merges: readonly string[],
  special: SpecialTokens,
  bosId: number,
  eosId: number,
  learned: ReadonlyArray<readonly [string, number]> = [],
) {
  const added = (id: number, content: string) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  return {
    added_tokens: [
      added(bosId, special.bos),
      ...(eosId === bosId ? [] : [added(eosId, special.eos)]),
      // A learned word is one token wherever it stands, as diffusers' tokenizer.add_tokens makes it.
      ...learned.map(([token, id]) => ({ ...added(id, token), special: false })),
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: String.raw`\s+` }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_PATTERN }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    model: {
      type: 'BPE',
      vocab,
      merges,
      unk_token: special.unk,
      continuing_subword_prefix: '',
      end_of_word_suffix: END_OF_WORD,
      fuse_unk: false,
      byte_fallback: false,
    },
    post_processor: null,
    decoder: { type: 'ByteLevel' }, // the library turns the model's "</w>" back into spaces
  };
}

// --- reading the package's files ------------------------------------------------------------------------------

const vocabSchema = z.record(z.string(), z.number().int().nonnegative());
/** A special token is written either as a string or as a serialised AddedToken ({ content, … }). */
const tokenSchema = z.union([z.string(), z.looseObject({ content: z.string() }).transform((t) => t.content)]);
const configSchema = z.looseObject({
  bos_token: tokenSchema.optional(),
  eos_token: tokenSchema.optional(),
  pad_token: tokenSchema.optional(),
  unk_token: tokenSchema.optional(),
  model_max_length: z.number().positive().optional(),
});

/** zod's parse with a file name and a coded error instead of a ZodError. */
function parseWith<S extends z.ZodType>(schema: S, json: unknown, file: string): z.output<S> {
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  return fail(
    'MODEL_INVALID',
    `tokenizer: ${file} field '${issue?.path.join('.') || '(root)'}': ${issue?.message ?? 'invalid'}`,
  );
}

function parseMerges(text: string): string[] {
  const merges: string[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    const rule = line.trimEnd();
    if (rule === '' || (index === 0 && rule.startsWith('#version'))) continue;
    if (rule.split(' ').length !== 2)
      fail(
        'MODEL_INVALID',
        `tokenizer: merges.txt line ${index + 1} is not two tokens separated by one space: '${rule}'`,
      );
    merges.push(rule);
  }
  return merges;
}

async function readText(dir: string, file: string): Promise<string> {
  const full = path.join(dir, file);
  try {
    return await readFile(full, 'utf8');
  } catch (err) {
    return fail(
      'FILE_NOT_FOUND',
      `tokenizer: cannot read ${full}; the model's tokenizer folder needs vocab.json and merges.txt`,
      err,
    );
  }
}

async function readJson(dir: string, file: string, required: boolean): Promise<unknown> {
  const full = path.join(dir, file);
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch (err) {
    if (!required && err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    return fail('FILE_NOT_FOUND', `tokenizer: cannot read ${full}`, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    return fail(
      'MODEL_INVALID',
      `tokenizer: ${full} is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      err,
    );
  }
}
