// Installed models live in <data-dir>/models/<id>/, one diffusers-ONNX package per folder (the folder holds
// model_index.json, as `optimum-cli export onnx` and diffusers' ONNX conversion write it). Beside them, the bundled
// models (bundled-models.ts: the demo model). The default model is the one named in config.json when it still
// exists, else the first installed one by name (the user installed it to use it), else the first bundled one.
import { access, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelId, type ModelSummary } from '../../../shared/src/protocol/companion-info.ts';
import { errorCodes } from '../../../shared/src/protocol/error-codes.ts';
import type { ModelStatus } from '../../../shared/src/protocol/messages.ts';
import { fail } from '../errors.ts';
import { findBundledModelsAsync } from './bundled-models.ts';
import { readUserConfigAsync, updateUserConfigAsync } from './user-config.ts';

export const modelsDir = (dataDir: string): string => path.join(dataDir, 'models');

/** Where `imagic models add/download` records where a model came from. */
export const SOURCE_FILE = 'imagic-source.json';

const isErrno = (err: unknown, code: string): boolean => err instanceof Error && 'code' in err && err.code === code;

/** The folder of model `id`; INVALID_SPEC for an id that is not a plain folder name. */
export function modelDir(dataDir: string, id: string): string {
  const parsed = ModelId.safeParse(id);
  if (!parsed.success) fail('INVALID_SPEC', `model id ${JSON.stringify(id)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return path.join(modelsDir(dataDir), id);
}

/** Names of installed models, sorted; none if the models folder does not exist yet. */
export async function findInstalledModelsAsync(dataDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(modelsDir(dataDir), { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !ModelId.safeParse(entry.name).success) continue;
    try {
      await access(path.join(modelsDir(dataDir), entry.name, 'model_index.json'));
      names.push(entry.name);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  return names.sort();
}

/** Every usable model, installed ones first; a bundled model whose id is also installed is hidden by it. */
async function availableModelsAsync(dataDir: string): Promise<{ id: string; dir: string; bundled: boolean }[]> {
  const installed = (await findInstalledModelsAsync(dataDir)).map((id) => ({ id, dir: path.join(modelsDir(dataDir), id), bundled: false }));
  const taken = new Set(installed.map((m) => m.id));
  const bundled = (await findBundledModelsAsync()).filter((m) => !taken.has(m.id)).map((m) => ({ ...m, bundled: true }));
  return [...installed, ...bundled];
}

export async function defaultModelAsync(dataDir: string): Promise<{ id: string; dir: string; bundled: boolean } | null> {
  const available = await availableModelsAsync(dataDir);
  const { defaultModel } = await readUserConfigAsync(dataDir);
  return available.find((m) => m.id === defaultModel) ?? available[0] ?? null;
}

/**
 * The model a request names (MODEL_NOT_FOUND when it is neither installed nor bundled), else the default (NO_MODEL
 * when there is none).
 */
export async function requestedModelAsync(dataDir: string, id: string | undefined): Promise<{ id: string; dir: string; bundled: boolean }> {
  if (id === undefined) {
    return (await defaultModelAsync(dataDir)) ?? fail('NO_MODEL', `no model installed in ${modelsDir(dataDir)}`);
  }
  const model = (await availableModelsAsync(dataDir)).find((m) => m.id === id);
  return model ?? fail('MODEL_NOT_FOUND', `no installed or bundled model '${id}'; models.list names those there are`);
}

/** Until the engine loads the model, an installed one is reported as `installed`. */
export async function modelStatusAsync(dataDir: string): Promise<ModelStatus> {
  const model = await defaultModelAsync(dataDir);
  return model === null ? { state: 'none', code: 'NO_MODEL', hint: errorCodes.NO_MODEL } : { state: 'installed', name: model.id };
}

export async function setDefaultModelAsync(dataDir: string, id: string): Promise<void> {
  modelDir(dataDir, id);
  if (!(await availableModelsAsync(dataDir)).some((m) => m.id === id)) fail('MODEL_NOT_FOUND', `no installed or bundled model '${id}' (installed ones live in ${modelsDir(dataDir)})`);
  await updateUserConfigAsync(dataDir, (config) => ({ ...config, defaultModel: id }));
}

export async function removeModelAsync(dataDir: string, id: string): Promise<void> {
  const dir = modelDir(dataDir, id);
  if (!(await findInstalledModelsAsync(dataDir)).includes(id)) {
    const bundled = (await findBundledModelsAsync()).some((m) => m.id === id);
    fail('MODEL_NOT_FOUND', bundled ? `'${id}' ships with the companion and cannot be removed; make another model the default instead` : `no installed model '${id}' in ${modelsDir(dataDir)}`);
  }
  await rm(dir, { recursive: true, force: true });
  const { defaultModel } = await readUserConfigAsync(dataDir);
  if (defaultModel === id) await updateUserConfigAsync(dataDir, ({ defaultModel: _removed, ...rest }) => rest);
}

export async function listModelsAsync(dataDir: string): Promise<ModelSummary[]> {
  const chosen = await defaultModelAsync(dataDir);
  const out: ModelSummary[] = [];
  for (const { id, dir, bundled } of await availableModelsAsync(dataDir)) {
    const source = bundled ? `bundled with the companion (${dir})` : await readSourceAsync(dir);
    out.push({ modelId: id, isDefault: chosen?.id === id, bytes: await folderBytesAsync(dir), source });
  }
  return out;
}

async function readSourceAsync(dir: string): Promise<string | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, SOURCE_FILE), 'utf8'));
  } catch (err) {
    // No record (a model copied in by hand) or a damaged one: the source is just unknown.
    if (isErrno(err, 'ENOENT') || err instanceof SyntaxError) return null;
    throw err;
  }
  return typeof raw === 'object' && raw !== null && 'source' in raw && typeof raw.source === 'string' ? raw.source.slice(0, 500) : null;
}

export async function folderBytesAsync(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytesAsync(p);
    else if (entry.isFile()) total += (await stat(p)).size;
  }
  return total;
}
