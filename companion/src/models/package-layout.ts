// Checks that a folder is a diffusers-ONNX Stable Diffusion package before it is installed, with coded errors:
// FILE_NOT_FOUND (no such folder), MODEL_INCOMPLETE (files missing, listed), MODEL_INVALID (unreadable configs,
// empty graphs, not an ONNX pipeline). The list of required files is package-files.ts's.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkPackageFiles, PACKAGE_FILES } from './package-files.ts';
import { fail } from '../errors.ts';

const GRAPHS = [PACKAGE_FILES.textEncoder, PACKAGE_FILES.unet, PACKAGE_FILES.vaeEncoder, PACKAGE_FILES.vaeDecoder];
const JSON_FILES = [PACKAGE_FILES.index, PACKAGE_FILES.scheduler, PACKAGE_FILES.vocab];
const COMPONENTS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder', 'tokenizer', 'scheduler'];

export async function validatePackageLayoutAsync(dir: string): Promise<void> {
  await checkPackageFiles(dir);
  for (const file of JSON_FILES) {
    try {
      JSON.parse(await readFile(path.join(dir, file), 'utf8'));
    } catch (err) {
      fail('MODEL_INVALID', `${file} in '${dir}' is not valid JSON`, err);
    }
  }
  const index = JSON.parse(await readFile(path.join(dir, PACKAGE_FILES.index), 'utf8')) as unknown;
  const record = typeof index === 'object' && index !== null ? (index as Record<string, unknown>) : {};
  const missing = COMPONENTS.filter((name) => !Array.isArray(record[name]));
  if (missing.length > 0) fail('MODEL_INVALID', `model_index.json in '${dir}' does not name the components ${missing.join(', ')}; is it an ONNX Stable Diffusion pipeline?`);
  for (const graph of GRAPHS) {
    if ((await stat(path.join(dir, graph))).size === 0) fail('MODEL_INVALID', `${graph} in '${dir}' is empty; the download or export was cut short`);
  }
}
