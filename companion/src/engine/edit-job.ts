// One `imagic edit` or `imagic render` from start to finish, as the CLI (and later the daemon) runs it: validate
// every input before any model loads, run the engine, save the edit, write the PNGs, and report what ran, how long
// each stage took and the final training losses. Only this file turns files into engine inputs and back.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MAX_IMAGE_SIDE_PX, MIN_IMAGE_SIDE_PX } from '../../../shared/src/protocol/defaults.ts';
import { fail } from '../errors.ts';
import { decodeImage, type DecodedImage } from '../images/decode-image.ts';
import { encodePng } from '../images/model-input.ts';
import { defaultModelAsync, modelsDir } from '../models/model-store.ts';
import { checkEditModelAsync, newEditManifest } from './edit-manifest.ts';
import { EditStore, newEditId } from './edit-store.ts';
import { ImagicEngine, type RenderedImage } from './imagic-engine.ts';
import type { RunHooks } from './progress.ts';
import { estimateAsync, jobPlan } from './progress-estimate.ts';
import { readPackageBackwardRatioAsync, readPackagePromptsAsync, readPackageSampleSettingsAsync, readPackageSettingsAsync, type ModelPrompts } from './package-settings.ts';
import { unknownWords } from '../../../shared/src/protocol/prompt-words.ts';
import { editCost, type EditCost } from './cost.ts';
import { PRESETS, validateSampleSettings, validateTrainSettings, type Preset, type SampleSettings, type TrainSettings } from './settings.ts';
import type { ProviderSetting } from './worker/provider-choice.ts';

export interface JobReport {
  readonly edit_id: string;
  readonly outputs: { readonly eta: number; readonly seed: number; readonly file: string }[];
  readonly timing_ms: Record<string, number>;
  readonly provider: string;
  readonly provider_reason: string;
  readonly final_loss: { readonly embed: number | null; readonly finetune: number | null };
  /** UNet work in forward-pass equivalents per stage (cost.ts): the same on every machine. */
  readonly cost: EditCost;
}

export interface EditJob {
  readonly imagePath: string;
  readonly prompt: string;
  /** A package folder; the first installed model when absent. */
  readonly modelDir?: string;
  readonly dataDir: string;
  readonly preset: Preset;
  readonly train?: Partial<TrainSettings>;
  readonly sample?: Partial<SampleSettings>;
  readonly outDir: string;
  readonly provider?: ProviderSetting;
}

export interface RenderJob {
  readonly editId: string;
  readonly dataDir: string;
  readonly sample?: Partial<SampleSettings>;
  readonly outDir: string;
  readonly provider?: ProviderSetting;
}

/** The paper's usual η (docs/method.md §2.3), when neither the flags nor the model (imagic_settings.json) give one. */
export const DEFAULT_ETA = 0.7;
const DEFAULT_SEEDS = [1];
const round = (ms: number) => Math.round(ms * 10) / 10;
const last = (values: readonly number[]) => values.at(-1) ?? null;

/** The package to use: the flag's, else the model store's default, else NO_MODEL saying how to get one. */
export async function resolveModelDirAsync(dataDir: string, flag: string | undefined): Promise<string> {
  if (flag !== undefined) return resolve(flag);
  const model = await defaultModelAsync(dataDir);
  if (model === null) {
    return fail('NO_MODEL', `no --model given and none installed in ${modelsDir(dataDir)}; pass --model <dir> with a diffusers-ONNX Stable Diffusion 1.x package, or install one into ${join(modelsDir(dataDir), '<name>')}`);
  }
  return model.dir;
}

async function readImageAsync(path: string): Promise<{ image: DecodedImage; sha256: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return fail('FILE_NOT_FOUND', `cannot read image '${path}'`, err);
  }
  const image = await decodeImage(bytes, { maxPixels: MAX_IMAGE_SIDE_PX * MAX_IMAGE_SIDE_PX });
  if (image.width > MAX_IMAGE_SIDE_PX || image.height > MAX_IMAGE_SIDE_PX) fail('IMAGE_TOO_LARGE', `the image is ${image.width}×${image.height}; the limit is ${MAX_IMAGE_SIDE_PX} px per side`);
  if (image.width < MIN_IMAGE_SIDE_PX || image.height < MIN_IMAGE_SIDE_PX) fail('IMAGE_UNSUPPORTED', `the image is ${image.width}×${image.height}; it needs at least ${MIN_IMAGE_SIDE_PX} px per side`);
  return { image, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Before any work: a prompt of words the model does not know runs fine and returns something unrelated. */
function warnUnknownWords(prompt: string, prompts: ModelPrompts | undefined, hooks: RunHooks): void {
  const unknown = unknownWords(prompt, prompts?.vocabulary);
  if (unknown.length === 0 || !prompts) return;
  const example = prompts.examples[0];
  hooks.onWarning?.(
    `this model does not know ${unknown.map((w) => `"${w}"`).join(', ')}; it knows only: ${prompts.vocabulary!.join(', ')}.` +
      (example ? ` Try a prompt like "${example}".` : ''),
  );
}

/**
 * The output folder, made now and checked writable: a bad --out must fail before minutes of training, not after them
 * (the edit would be saved, but its PNGs lost).
 */
async function prepareOutDirAsync(outDir: string): Promise<void> {
  const dir = resolve(outDir);
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'is a file (or under one), not a folder' : code === 'EACCES' || code === 'EPERM' ? 'is not writable' : `cannot be created (${code || String(err)})`;
    fail('INVALID_SPEC', `--out ${outDir} ${why}: give a folder you can write to for the PNGs (it is created if missing)`);
  }
}

async function writeOutputsAsync(editId: string, images: readonly RenderedImage[], outDir: string): Promise<JobReport['outputs']> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const outputs = [];
  for (const img of images) {
    const file = join(dir, `${editId}-eta${img.eta}-seed${img.seed}.png`);
    await writeFile(file, await encodePng(img.rgba, img.width, img.height));
    outputs.push({ eta: img.eta, seed: img.seed, file });
  }
  return outputs;
}

/**
 * What a new edit runs with: the preset, then what the model recommends for itself and for that preset
 * (package-settings.ts), then the caller's own values (the CLI's flags); one output at the recommended η unless asked.
 */
export async function editSettingsAsync(modelDir: string, presetName: Preset, own: { train?: Partial<TrainSettings>; sample?: Partial<SampleSettings> } = {}): Promise<{ train: TrainSettings; sample: SampleSettings }> {
  const preset = PRESETS[presetName];
  const train = validateTrainSettings({ ...preset.train, ...(await readPackageSettingsAsync(modelDir, presetName)), seed: 0, ...own.train });
  const { eta, ...recommended } = await readPackageSampleSettingsAsync(modelDir, presetName);
  const sample = validateSampleSettings({ ...preset.sample, ...recommended, etas: [eta ?? DEFAULT_ETA], seeds: DEFAULT_SEEDS, ...own.sample });
  return { train, sample };
}

export async function runEditAsync(job: EditJob, hooks: RunHooks = {}): Promise<JobReport> {
  const t0 = performance.now();
  const preset = PRESETS[job.preset];
  validateSampleSettings({ ...preset.sample, etas: [DEFAULT_ETA], seeds: DEFAULT_SEEDS, ...job.sample });
  if (!/\S/.test(job.prompt)) fail('INVALID_SPEC', 'prompt: give the target text, e.g. --prompt "a photo of a sitting dog"');
  const { image, sha256 } = await readImageAsync(job.imagePath);
  await prepareOutDirAsync(job.outDir);
  const modelDir = await resolveModelDirAsync(job.dataDir, job.modelDir);
  const { train, sample } = await editSettingsAsync(modelDir, job.preset, job);
  warnUnknownWords(job.prompt, await readPackagePromptsAsync(modelDir), hooks);

  const engine = await ImagicEngine.openAsync({ modelDir, ...(job.provider ? { provider: job.provider } : {}) });
  try {
    const load = performance.now() - t0;
    hooks.onProgress?.({ stage: 'load', step: 1, total: 1 });
    const estimate = await estimateAsync(engine, job.dataDir, jobPlan(train, sample), hooks);
    hooks = estimate.hooks;
    const { state, timing } = await engine.trainAsync(image, job.prompt, train, hooks);
    const editId = newEditId();
    const manifest = newEditManifest({ editId, modelId: engine.pkg.modelId, modelDir: engine.pkg.dir, preset: job.preset, sample, input: { sha256, width: image.width, height: image.height }, state, sequenceLength: engine.pkg.sequenceLength });
    await new EditStore(job.dataDir).saveAsync(editId, manifest, state);
    const s0 = performance.now();
    const images = await engine.renderAsync(state, sample, hooks);
    await estimate.recordAsync();
    const outputs = await writeOutputsAsync(editId, images, job.outDir);
    const timing_ms = { load, ...timing, sample: performance.now() - s0, total: performance.now() - t0 };
    return {
      edit_id: editId,
      outputs,
      timing_ms: Object.fromEntries(Object.entries(timing_ms).map(([k, v]) => [k, round(v)])),
      provider: engine.provider.provider,
      provider_reason: engine.provider.reason,
      final_loss: { embed: last(state.losses.embed), finetune: last(state.losses.finetune) },
      cost: editCost(train, sample, await readPackageBackwardRatioAsync(modelDir)),
    };
  } finally {
    await engine.closeAsync();
  }
}

/** Stage 3 only, from a saved edit; sampling settings default to those the edit was first rendered with. */
export async function runRenderAsync(job: RenderJob, hooks: RunHooks = {}): Promise<JobReport> {
  const t0 = performance.now();
  const store = new EditStore(job.dataDir);
  const manifest = await store.readManifestAsync(job.editId);
  const sample = validateSampleSettings({ ...manifest.sample, ...job.sample });
  await prepareOutDirAsync(job.outDir);
  await checkEditModelAsync(manifest);
  const { state } = await store.loadAsync(job.editId);
  const engine = await ImagicEngine.openAsync({ modelDir: manifest.model.dir, ...(job.provider ? { provider: job.provider } : {}) });
  try {
    const load = performance.now() - t0;
    hooks.onProgress?.({ stage: 'load', step: 1, total: 1 });
    const estimate = await estimateAsync(engine, job.dataDir, jobPlan(null, sample), hooks);
    const s0 = performance.now();
    const images = await engine.renderAsync(state, sample, estimate.hooks);
    await estimate.recordAsync();
    const outputs = await writeOutputsAsync(job.editId, images, job.outDir);
    const timing_ms = { load, sample: performance.now() - s0, total: performance.now() - t0 };
    return {
      edit_id: job.editId,
      outputs,
      timing_ms: Object.fromEntries(Object.entries(timing_ms).map(([k, v]) => [k, round(v)])),
      provider: engine.provider.provider,
      provider_reason: engine.provider.reason,
      final_loss: manifest.final_loss,
      cost: editCost(null, sample, await readPackageBackwardRatioAsync(manifest.model.dir)),
    };
  } finally {
    await engine.closeAsync();
  }
}
