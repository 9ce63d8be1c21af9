// `imagic learned list|add|remove`: the words learned for a model (Textual Inversion), kept in the data folder
// (models/learned-store.ts) in diffusers' learned_embeds.safetensors layout. `add` takes a file someone else trained
// when its vectors have this model's width; every later prompt of every mode understands its words.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { fail } from '../../errors.ts';
import { tokenTable } from '../../engine/learned-rows.ts';
import { checkToken, readLearnedEmbeds } from '../../models/learned-embeds.ts';
import { readLoraFile, writeLoraFile } from '../../models/lora-file.ts';
import { readSafetensors } from '../../models/safetensors.ts';
import { checkLoraFitsAsync } from '../../learn/subject-adapter.ts';
import {
  adapterTokensAsync,
  addLearnedWordsAsync,
  saveAdapterAsync,
  learnedDir,
  learnedWordsAsync,
  removeLearnedWordAsync,
} from '../../models/learned-store.ts';
import { PACKAGE_FILES } from '../../models/package-files.ts';
import { readModel } from '../../onnx/model-file.ts';
import { ClipTokenizer } from '../../tokenizer/clip-tokenizer.ts';
import { dataDirFromFlag, dataDirOption } from '../data-dir-option.ts';
import { resolveModelDirAsync } from '../edit-runs.ts';

type LearnedFlags = { dataDir?: string; model?: string; json?: boolean };

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** The model folder and the width of its text encoder's token vectors (what a learned word must have). */
async function modelOfAsync(flags: LearnedFlags): Promise<{ dataDir: string; modelDir: string; width: number }> {
  const dataDir = dataDirFromFlag(flags.dataDir);
  const modelDir = await resolveModelDirAsync(dataDir, flags.model);
  const width = tokenTable(await readModel(join(modelDir, PACKAGE_FILES.textEncoder))).dims[1]!;
  return { dataDir, modelDir, width };
}

export function registerLearned(program: Command): void {
  const learned = program
    .command('learned')
    .description("The words learned for a model (learned_embeds.safetensors): list, add someone else's, remove");
  const common = (c: Command) =>
    c
      .option('--model <dir>', 'a package folder (default: the default installed model)')
      .option('--json', 'print one JSON object as the last line')
      .addOption(dataDirOption());

  common(learned.command('list').description("List the model's learned words")).action(async (flags: LearnedFlags) => {
    const { dataDir, modelDir, width } = await modelOfAsync(flags);
    const words = await learnedWordsAsync(dataDir, modelDir, width);
    const adapters = await adapterTokensAsync(dataDir, modelDir);
    if (flags.json)
      return out(JSON.stringify({ words: words.map((w) => w.token), adapters, dir: learnedDir(dataDir, modelDir) }));
    const line = (token: string) =>
      adapters.includes(token)
        ? `${token}  (with a subject adapter: imagic edit --mode quick --subject ${token})`
        : token;
    out(words.length === 0 ? 'No learned words for this model.' : words.map((w) => line(w.token)).join('\n'));
  });

  common(
    learned
      .command('add')
      .argument(
        '<file>',
        'a learned_embeds.safetensors (Textual Inversion) or a LoRA safetensors file (kohya or diffusers)',
      )
      .option('--as <word>', 'a LoRA file: the word that switches it on (imagic edit --mode quick --subject WORD)')
      .description('Add the words of a file trained elsewhere, or a subject adapter (LoRA) switched on by a word'),
  ).action(async (file: string, flags: LearnedFlags & { as?: string }) => {
    const { dataDir, modelDir, width } = await modelOfAsync(flags);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      return fail('FILE_NOT_FOUND', `cannot read '${file}'`, err);
    }
    if (isLoraFile(bytes)) return addLoraAsync(dataDir, modelDir, file, bytes, flags);
    if (flags.as !== undefined) fail('INVALID_SPEC', `--as names a LoRA file's word; ${file} holds learned words`);
    const words = readLearnedEmbeds(bytes, width, file);
    const tokenizer = await ClipTokenizer.fromFiles(join(modelDir, 'tokenizer'));
    const all = await addLearnedWordsAsync(dataDir, modelDir, width, words, (t) => tokenizer.inVocabulary(t));
    if (flags.json) return out(JSON.stringify({ added: words.map((w) => w.token), words: all.map((w) => w.token) }));
    out(`Learned ${words.map((w) => w.token).join(', ')}; the model now knows ${all.map((w) => w.token).join(', ')}.`);
  });

  common(
    learned
      .command('remove')
      .argument('<token>', 'the learned word, e.g. "<my-logo>"')
      .description('Forget a learned word'),
  ).action(async (token: string, flags: LearnedFlags) => {
    const { dataDir, modelDir, width } = await modelOfAsync(flags);
    const rest = await removeLearnedWordAsync(dataDir, modelDir, width, token);
    if (flags.json) return out(JSON.stringify({ removed: token, words: rest.map((w) => w.token) }));
    out(`Forgot ${token}.`);
  });
}

/** Whether a safetensors file holds LoRA tensors of a UNet (kohya's or diffusers' keys) rather than learned words. */
function isLoraFile(bytes: Uint8Array): boolean {
  try {
    return [...readSafetensors(bytes).tensors.keys()].some((k) => /^(lora_unet_|unet\.)/.test(k));
  } catch {
    return false;
  }
}

/** A LoRA file someone else trained, checked against the model's UNet, kept as the subject adapter of `--as WORD`. */
async function addLoraAsync(
  dataDir: string,
  modelDir: string,
  file: string,
  bytes: Uint8Array,
  flags: LearnedFlags & { as?: string },
): Promise<void> {
  const word = checkToken(
    flags.as ?? fail('INVALID_SPEC', `${file} is a LoRA file: give the word that switches it on with --as WORD`),
  );
  const { modules, metadata } = readLoraFile(bytes, file);
  await checkLoraFitsAsync(modelDir, modules, file);
  const saved = await saveAdapterAsync(dataDir, modelDir, word, writeLoraFile(modules, { ...metadata, token: word }));
  const adapters = await adapterTokensAsync(dataDir, modelDir);
  if (flags.json) return out(JSON.stringify({ added: [word], adapters, file: saved }));
  out(`Added a subject adapter for ${word}: imagic edit --mode quick --subject ${word}`);
}
