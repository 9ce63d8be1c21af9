// The files of a diffusers/optimum ONNX Stable Diffusion package (docs/onnx.md §1.2), and the two configs the engine
// reads from it besides the graphs: the scheduler's and the VAE's scaling factor.
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { fail } from '../errors.ts';
import { parseSchedulerConfig, type SchedulerConfig } from '../diffusion/schedulers/scheduler-config.ts';

/** Every file the engine needs, by role. Optional parts (safety_checker/, feature_extractor/) are never read. */
export const PACKAGE_FILES = {
  index: 'model_index.json',
  scheduler: 'scheduler/scheduler_config.json',
  vocab: 'tokenizer/vocab.json',
  merges: 'tokenizer/merges.txt',
  textEncoder: 'text_encoder/model.onnx',
  unet: 'unet/model.onnx',
  vaeEncoder: 'vae_encoder/model.onnx',
  vaeDecoder: 'vae_decoder/model.onnx',
} as const;

export type PackageFile = keyof typeof PACKAGE_FILES;

/** Folders whose files (graphs and external weights) make up the model. */
const MODEL_FOLDERS = ['text_encoder', 'unet', 'vae_encoder', 'vae_decoder'] as const;

/**
 * Where the VAE's `scaling_factor` may be, first match wins: optimum writes the VAE config into both
 * vae_encoder/ and vae_decoder/; a package assembled from a PyTorch checkpoint may keep vae/config.json.
 */
const VAE_CONFIGS = ['vae_decoder/config.json', 'vae_encoder/config.json', 'vae/config.json'] as const;

/**
 * SD 1.x's scaling factor (diffusers AutoencoderKL's default, and the constant the diffusers ONNX pipeline
 * hard-codes). Used only when none of the VAE configs names one: every SD 1.x VAE was trained with it, and the
 * diffusers conversion script writes no VAE config at all.
 */
export const DEFAULT_VAE_SCALING_FACTOR = 0.18215;

const exists = (path: string) => access(path).then(() => true, () => false);

/** Throws MODEL_INCOMPLETE listing every missing file (or NO_MODEL-like FILE_NOT_FOUND when the folder is absent). */
export async function checkPackageFiles(dir: string): Promise<void> {
  const folder = await stat(dir).catch(() => undefined);
  if (!folder?.isDirectory()) fail('FILE_NOT_FOUND', `model folder '${dir}' does not exist or is not a folder`);
  const missing: string[] = [];
  for (const file of Object.values(PACKAGE_FILES)) if (!(await exists(join(dir, file)))) missing.push(file);
  if (missing.length) fail('MODEL_INCOMPLETE', `'${dir}' is not a complete diffusers-ONNX package; missing: ${missing.join(', ')}`);
}

async function readJson(dir: string, file: string): Promise<unknown> {
  const text = await readFile(join(dir, file), 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return fail('MODEL_INVALID', `${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

export async function readSchedulerConfig(dir: string): Promise<SchedulerConfig> {
  const raw = await readJson(dir, PACKAGE_FILES.scheduler);
  try {
    return parseSchedulerConfig(raw);
  } catch (err) {
    return fail('MODEL_INVALID', `${PACKAGE_FILES.scheduler}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

export interface ScalingFactor {
  readonly value: number;
  /** The config file it came from, or 'default'. */
  readonly source: string;
}

export async function readVaeScalingFactor(dir: string): Promise<ScalingFactor> {
  for (const file of VAE_CONFIGS) {
    if (!(await exists(join(dir, file)))) continue;
    const raw = await readJson(dir, file);
    const value = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['scaling_factor'] : undefined;
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) fail('MODEL_INVALID', `${file}: scaling_factor must be a positive number, got ${JSON.stringify(value)}`);
    return { value: value as number, source: file };
  }
  return { value: DEFAULT_VAE_SCALING_FACTOR, source: 'default' };
}

/**
 * A short id for the package as it is on disk: its folder name and a hash of model_index.json, the scheduler
 * config and the size of every file in its model folders. A saved edit records it and refuses a changed model.
 */
export async function packageFingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  for (const file of [PACKAGE_FILES.index, PACKAGE_FILES.scheduler]) hash.update(await readFile(join(dir, file)));
  for (const folder of MODEL_FOLDERS) {
    const entries = (await readdir(join(dir, folder), { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
    for (const name of entries) hash.update(`${folder}/${name}:${(await stat(join(dir, folder, name))).size};`);
  }
  return `${basename(dir)}@${hash.digest('hex').slice(0, 12)}`;
}
