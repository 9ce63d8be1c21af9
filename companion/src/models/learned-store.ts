// The words learned for each model (issue: learn from layers), kept in the data folder rather than in the model's own
// folder, so that the model's files, and with them its fingerprint and every saved edit's link to it, never change:
//   <data-dir>/learned/<model name>/embeddings.safetensors
// One file in diffusers' learned_embeds.safetensors layout (learned-embeds.ts) holds all of a model's words, so a
// file from the store is a file others can load, and a word is added or removed by rewriting it whole, atomically:
// a failed add leaves the words as they were.
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fail } from '../errors.ts';
import { writeFileAtomicAsync } from '../util/atomic-write.ts';
import { readLearnedEmbeds, writeLearnedEmbeds, type LearnedWord } from './learned-embeds.ts';
import { readSafetensors, safetensorsMetadataAsync } from './safetensors.ts';

const FILE = 'embeddings.safetensors';

/** Where the words of the package in `modelDir` are kept: by the model's folder name, as `models list` names it. */
export const learnedDir = (dataDir: string, modelDir: string): string =>
  join(dataDir, 'learned', basename(resolve(modelDir)));

/**
 * A word's own file beside the store's, in the layout diffusers' load_textual_inversion reads (one key: the token), to
 * share or load elsewhere: diffusers refuses a file of several words. Named by the word's letters and a digest that
 * tells "<x>" from "[x]".
 */
export function wordFile(dataDir: string, modelDir: string, token: string): string {
  const slug = token.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || 'word';
  const digest = createHash('sha256').update(token).digest('hex').slice(0, 8);
  return join(learnedDir(dataDir, modelDir), 'words', `${slug}-${digest}.safetensors`);
}

/** A subject adapter's LoRA file (models/lora-file.ts, kohya's layout), named as its word's own file is. */
export const adapterFile = (dataDir: string, modelDir: string, token: string): string =>
  join(learnedDir(dataDir, modelDir), 'adapters', basename(wordFile(dataDir, modelDir, token)));

/** Saves a subject adapter's file for `token` (atomically). */
export async function saveAdapterAsync(dataDir: string, modelDir: string, token: string, bytes: Uint8Array): Promise<string> {
  const file = adapterFile(dataDir, modelDir, token);
  await mkdir(join(learnedDir(dataDir, modelDir), 'adapters'), { recursive: true });
  await writeFileAtomicAsync(file, bytes);
  return file;
}

/**
 * The words the model's subject adapters are switched on by: each file's `token` metadata (a learned word for the
 * adapters learned here; any word for a file added with `learned add FILE --as WORD`).
 */
export async function adapterTokensAsync(dataDir: string, modelDir: string): Promise<string[]> {
  const dir = join(learnedDir(dataDir, modelDir), 'adapters');
  const names = await readdir(dir).catch(() => [] as string[]);
  const tokens: string[] = [];
  for (const name of names.filter((n) => n.endsWith('.safetensors')).sort()) {
    const token = (await safetensorsMetadataAsync(join(dir, name)))?.['token'];
    if (token !== undefined && adapterFile(dataDir, modelDir, token) === join(dir, name)) tokens.push(token);
  }
  return tokens;
}

/** Changes whenever the model's learned words do ('' without any): an open engine with another stamp is stale. */
export async function learnedStampAsync(dataDir: string, modelDir: string): Promise<string> {
  return stat(join(learnedDir(dataDir, modelDir), FILE)).then(
    (s) => `${s.size}:${s.mtimeMs}`,
    () => '',
  );
}

/** The model's learned words' tokens, read from the file's header alone; none when it has none or cannot be read. */
export async function learnedTokensAsync(dataDir: string, modelDir: string): Promise<string[]> {
  try {
    return [...readSafetensors(await readFile(join(learnedDir(dataDir, modelDir), FILE))).tensors.keys()];
  } catch {
    return [];
  }
}

/** Whether the model has learned words, without reading them. */
export async function hasLearnedWordsAsync(dataDir: string, modelDir: string): Promise<boolean> {
  return access(join(learnedDir(dataDir, modelDir), FILE)).then(
    () => true,
    () => false,
  );
}

/** The model's learned words, in the order they were added (the order of their token ids); none when it has none. */
export async function learnedWordsAsync(dataDir: string, modelDir: string, width: number): Promise<LearnedWord[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(learnedDir(dataDir, modelDir), FILE));
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return [];
    throw err;
  }
  return readLearnedEmbeds(bytes, width, `the learned words of ${basename(resolve(modelDir))}`);
}

/**
 * Adds `words` to the model's: each must be new to its vocabulary (`known` says whether the tokenizer has a word)
 * and to its learned words. Nothing is written when any is refused.
 */
export async function addLearnedWordsAsync(
  dataDir: string,
  modelDir: string,
  width: number,
  words: readonly LearnedWord[],
  known: (token: string) => boolean,
): Promise<LearnedWord[]> {
  const have = await learnedWordsAsync(dataDir, modelDir, width);
  for (const w of words) {
    if (have.some((h) => h.token.toLowerCase() === w.token.toLowerCase()))
      fail('INVALID_SPEC', `“${w.token}” is already learned for this model; remove it first (imagic learned remove ${w.token})`);
    if (known(w.token))
      fail('INVALID_SPEC', `“${w.token}” is already a word of this model's vocabulary; learn a new token, e.g. "<${w.token}>"`);
  }
  const all = [...have, ...words];
  await mkdir(join(learnedDir(dataDir, modelDir), 'words'), { recursive: true });
  for (const w of words) await writeFileAtomicAsync(wordFile(dataDir, modelDir, w.token), writeLearnedEmbeds([w]));
  await saveAsync(dataDir, modelDir, all);
  return all;
}

/** Removes a learned word; INVALID_SPEC naming the model's words when it has no such word. */
export async function removeLearnedWordAsync(
  dataDir: string,
  modelDir: string,
  width: number,
  token: string,
): Promise<LearnedWord[]> {
  const have = await learnedWordsAsync(dataDir, modelDir, width);
  const rest = have.filter((w) => w.token !== token);
  const adapters = await adapterTokensAsync(dataDir, modelDir);
  // A word, its adapter, or an adapter added for a word of the vocabulary (learned add FILE --as WORD).
  if (rest.length === have.length && !adapters.includes(token))
    fail(
      'INVALID_SPEC',
      `no learned word or adapter “${token}” for this model; its words: ${have.map((w) => w.token).join(', ') || 'none'}${adapters.length > 0 ? `; its adapters: ${adapters.join(', ')}` : ''}`,
    );
  if (rest.length === 0) await rm(join(learnedDir(dataDir, modelDir), FILE), { force: true });
  else if (rest.length < have.length) await saveAsync(dataDir, modelDir, rest);
  await rm(wordFile(dataDir, modelDir, token), { force: true });
  await rm(adapterFile(dataDir, modelDir, token), { force: true });
  return rest;
}

async function saveAsync(dataDir: string, modelDir: string, words: readonly LearnedWord[]): Promise<void> {
  const dir = learnedDir(dataDir, modelDir);
  await mkdir(dir, { recursive: true });
  await writeFileAtomicAsync(join(dir, FILE), writeLearnedEmbeds(words));
}
