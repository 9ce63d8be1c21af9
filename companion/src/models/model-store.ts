// Installed models live in <data-dir>/models/<name>/, one diffusers-ONNX package per folder (the folder holds
// model_index.json, as `optimum-cli export onnx` and diffusers' ONNX conversion write it).
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { errorCodes } from '../../../shared/src/protocol/error-codes.ts';
import type { ModelStatus } from '../../../shared/src/protocol/messages.ts';

export const modelsDir = (dataDir: string): string => path.join(dataDir, 'models');

const isErrno = (err: unknown, code: string): boolean => err instanceof Error && 'code' in err && err.code === code;

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
    if (!entry.isDirectory()) continue;
    try {
      await access(path.join(modelsDir(dataDir), entry.name, 'model_index.json'));
      names.push(entry.name);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  return names.sort();
}

/** Until the engine loads models, an installed one is reported as `installed`, never `ready`. */
export async function modelStatusAsync(dataDir: string): Promise<ModelStatus> {
  const [first] = await findInstalledModelsAsync(dataDir);
  return first === undefined ? { state: 'none', code: 'NO_MODEL', hint: errorCodes.NO_MODEL } : { state: 'installed', name: first };
}
