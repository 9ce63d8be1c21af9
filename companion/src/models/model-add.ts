// `imagic models add <dir>`: validates a diffusers-ONNX package folder, then copies it into <data-dir>/models/<id>
// (into a temporary folder first, renamed into place, so a cancelled copy never looks installed).
import { cp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ModelId } from '../../../shared/src/protocol/companion-info.ts';
import { fail } from '../errors.ts';
import { folderBytesAsync, modelDir, modelsDir, SOURCE_FILE } from './model-store.ts';
import { validatePackageLayoutAsync } from './package-layout.ts';

export async function addModelAsync(dataDir: string, source: string, { name }: { name?: string } = {}): Promise<{ id: string; dir: string; bytes: number }> {
  const from = path.resolve(source);
  await validatePackageLayoutAsync(from);
  const id = name ?? path.basename(from);
  if (!ModelId.safeParse(id).success) fail('INVALID_SPEC', `'${id}' cannot be a model id; pass --name <id> (letters, digits, . _ -)`);
  const dir = modelDir(dataDir, id);
  if (await stat(dir).catch(() => undefined)) fail('MODEL_EXISTS', `model '${id}' is already installed at ${dir}`);
  const temp = path.join(modelsDir(dataDir), `.adding-${id}-${randomBytes(4).toString('hex')}`);
  try {
    await cp(from, temp, { recursive: true, errorOnExist: true });
    await writeFile(path.join(temp, SOURCE_FILE), `${JSON.stringify({ source: `folder:${from}`, installedAt: new Date().toISOString() }, null, 2)}\n`);
    await rename(temp, dir);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
  return { id, dir, bytes: await folderBytesAsync(dir) };
}
