// `imagic edit` and `imagic render` as the CLI runs them: check every flag and file before any model loads, run the
// edit through the one orchestration both front ends share (engine/edit-run.ts), write the PNGs, and report what
// ran, how long each part took, the final training losses and the cost. Only this file turns files into engine
// inputs and back.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MAX_IMAGE_SIDE_PX, MIN_IMAGE_SIDE_PX } from '../../../shared/src/protocol/defaults.ts';
import type { EditMode } from '../../../shared/src/protocol/edit-request.ts';
import { fail } from '../errors.ts';
import { decodeImage, type DecodedImage } from '../images/decode-image.ts';
import { encodePng, type Size } from '../images/model-input.ts';
import { defaultModelAsync, modelsDir } from '../models/model-store.ts';
import type { EditCost } from '../engine/cost.ts';
import {
  runNewEditAsync,
  runQuickEditAsync,
  runRenderAsync as renderEditAsync,
  type EditOutcome,
  type EditRunContext,
  type RegionRequest,
} from '../engine/edit-run.ts';
import { maskFromImage, maskPngAsync, validateFeather } from '../engine/edit-region.ts';
import { DEFAULT_ETA } from '../engine/edit-settings.ts';
import { validateStrength } from '../engine/quick-edit.ts';
import { EditStore, newEditId } from '../engine/edit-store.ts';
import { ImagicEngine, type RenderedImage } from '../engine/imagic-engine.ts';
import type { RunHooks } from '../engine/progress.ts';
import {
  PRESETS,
  validateSampleSettings,
  type Preset,
  type SampleSettings,
  type TrainSettings,
} from '../engine/settings.ts';
import type { ProviderSetting } from '../runtime/worker/provider-choice.ts';

export interface JobReport {
  /** The saved edit; null for a quick edit (nothing is trained or saved). */
  readonly edit_id: string | null;
  /** How it was edited: Imagic (trained and saved) or quick (SDEdit, at `strength`). */
  readonly mode: EditMode;
  readonly strength?: number;
  readonly outputs: { readonly eta: number; readonly seed: number; readonly file: string }[];
  readonly timing_ms: Record<string, number>;
  readonly provider: string;
  readonly provider_reason: string;
  readonly final_loss: { readonly embed: number | null; readonly finetune: number | null };
  /** UNet work in forward-pass equivalents per stage (cost.ts): the same on every machine. */
  readonly cost: EditCost;
  /** The mask the outputs kept the layer outside of: `--mask`'s file, or the automatic mask written beside them. */
  readonly mask_file?: string;
}

/** `--mask FILE`, or `--auto-mask` (with `--source-prompt`), and `--feather PX`. */
export interface RegionFlags {
  readonly maskPath?: string;
  readonly auto?: boolean;
  readonly sourcePrompt?: string;
  readonly featherPx?: number;
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
  /** Imagic unless `quick` (SDEdit at `strength`, no training). */
  readonly mode?: EditMode;
  readonly strength?: number;
  readonly region?: RegionFlags;
  /** A subject adapter learned for the model, by its word (either mode). */
  readonly subject?: string;
}

export interface RenderJob {
  readonly editId: string;
  readonly dataDir: string;
  readonly sample?: Partial<SampleSettings>;
  readonly region?: RegionFlags;
  readonly outDir: string;
  readonly provider?: ProviderSetting;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/** The package to use: the flag's, else the model store's default, else NO_MODEL saying how to get one. */
export async function resolveModelDirAsync(dataDir: string, flag: string | undefined): Promise<string> {
  if (flag !== undefined) return resolve(flag);
  const model = await defaultModelAsync(dataDir);
  if (model === null) {
    return fail(
      'NO_MODEL',
      `no --model given and none installed in ${modelsDir(dataDir)}; pass --model <dir> with a diffusers-ONNX Stable Diffusion 1.x package, or install one into ${join(modelsDir(dataDir), '<name>')}`,
    );
  }
  return model.dir;
}

/** An image file (the layer, or a mask: `what` names it in errors), decoded within the companion's size limits. */
export async function readImageAsync(path: string, what = 'image'): Promise<{ image: DecodedImage; sha256: string }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    return fail('FILE_NOT_FOUND', `cannot read ${what} '${path}'`, err);
  }
  const image = await decodeImage(bytes, { maxPixels: MAX_IMAGE_SIDE_PX * MAX_IMAGE_SIDE_PX });
  if (image.width > MAX_IMAGE_SIDE_PX || image.height > MAX_IMAGE_SIDE_PX)
    fail(
      'IMAGE_TOO_LARGE',
      `the ${what} is ${image.width}×${image.height}; the limit is ${MAX_IMAGE_SIDE_PX} px per side`,
    );
  if (image.width < MIN_IMAGE_SIDE_PX || image.height < MIN_IMAGE_SIDE_PX)
    fail(
      'IMAGE_UNSUPPORTED',
      `the ${what} is ${image.width}×${image.height}; it needs at least ${MIN_IMAGE_SIDE_PX} px per side`,
    );
  return { image, sha256: createHash('sha256').update(bytes).digest('hex') };
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
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'is a file (or under one), not a folder'
        : code === 'EACCES' || code === 'EPERM'
          ? 'is not writable'
          : `cannot be created (${code || String(err)})`;
    fail(
      'INVALID_SPEC',
      `--out ${outDir} ${why}: give a folder you can write to for the PNGs (it is created if missing)`,
    );
  }
}

async function writeOutputsAsync(
  editId: string,
  images: readonly RenderedImage[],
  outDir: string,
): Promise<JobReport['outputs']> {
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

/** The store, the estimate's data and an engine opened for this run only. */
function cliContext(
  dataDir: string,
  provider: ProviderSetting | undefined,
  hooks: RunHooks,
  opened: ImagicEngine[],
): EditRunContext {
  return {
    dataDir,
    store: new EditStore(dataDir),
    hooks,
    ...(hooks.onWarning ? { onNotice: hooks.onWarning } : {}),
    engineAsync: async (modelDir) => {
      const engine = await ImagicEngine.openAsync({ modelDir, dataDir, ...(provider ? { provider } : {}) });
      opened.push(engine);
      hooks.onProgress?.({ stage: 'load', step: 1, total: 1 });
      return engine;
    },
  };
}

async function closeAll(engines: readonly ImagicEngine[]): Promise<void> {
  for (const engine of engines) await engine.closeAsync();
}

/** The region flags that need no file, checked before any work. */
function checkRegionFlags(r: RegionFlags | undefined, mode: EditMode): void {
  if (r === undefined) return;
  if (r.maskPath !== undefined && r.auto)
    fail('INVALID_SPEC', '--mask and --auto-mask: give one (your own mask, or the one the model proposes)');
  if (r.featherPx !== undefined && r.maskPath === undefined && !r.auto)
    fail('INVALID_SPEC', '--feather applies to a mask: add --mask MASK.png or --auto-mask');
  if (r.featherPx !== undefined) validateFeather(r.featherPx);
  if (r.sourcePrompt !== undefined && !r.auto)
    fail('INVALID_SPEC', '--source-prompt describes the layer for --auto-mask; add --auto-mask');
  if (r.sourcePrompt !== undefined && mode === 'imagic')
    fail(
      'INVALID_SPEC',
      "--source-prompt applies to --mode quick: an Imagic edit's automatic mask starts from the text it learnt for the layer",
    );
}

/** The region the flags ask for, its mask read and checked against the layer's size (before any model loads). */
async function regionOfAsync(r: RegionFlags | undefined, layer: Size): Promise<RegionRequest | undefined> {
  if (r === undefined || (r.maskPath === undefined && !r.auto)) return undefined;
  const featherPx = r.featherPx;
  if (r.auto) return { kind: 'auto', sourcePrompt: r.sourcePrompt, featherPx };
  const { image } = await readImageAsync(r.maskPath!, 'mask');
  return { kind: 'mask', mask: maskFromImage(image, layer, `the mask ${r.maskPath}`), featherPx };
}

/** The mask file to name in the report: `--mask`'s own, or the automatic mask written beside the outputs. */
async function maskFileAsync(
  r: RegionFlags | undefined,
  outcome: EditOutcome,
  name: string,
  outDir: string,
): Promise<string | undefined> {
  if (outcome.mask === undefined) return undefined;
  if (r?.maskPath !== undefined) return resolve(r.maskPath);
  const file = join(resolve(outDir), `${name}-mask.png`);
  await writeFile(file, await maskPngAsync(outcome.mask));
  return file;
}

function report(outcome: EditOutcome, outputs: JobReport['outputs'], t0: number, maskFile?: string): JobReport {
  const timing_ms = { ...outcome.timing, total: performance.now() - t0 };
  const quick = outcome.mode === 'quick';
  return {
    edit_id: quick ? null : outcome.editId,
    mode: outcome.mode,
    ...(quick && outcome.sample.strength !== undefined ? { strength: outcome.sample.strength } : {}),
    outputs,
    timing_ms: Object.fromEntries(Object.entries(timing_ms).map(([k, v]) => [k, round(v)])),
    provider: outcome.provider.provider,
    provider_reason: outcome.provider.reason,
    final_loss: outcome.finalLoss,
    cost: outcome.cost,
    ...(maskFile === undefined ? {} : { mask_file: maskFile }),
  };
}

export async function runEditAsync(job: EditJob, hooks: RunHooks = {}): Promise<JobReport> {
  const t0 = performance.now();
  // The flags first, before any file is read: a typo fails in milliseconds.
  validateSampleSettings({ ...PRESETS[job.preset].sample, etas: [DEFAULT_ETA], seeds: [1], ...job.sample });
  if (!/\S/.test(job.prompt))
    fail('INVALID_SPEC', 'prompt: give the target text, e.g. --prompt "a photo of a sitting dog"');
  if (job.strength !== undefined && job.mode !== 'quick')
    fail('INVALID_SPEC', '--strength applies to --mode quick (Imagic edits set their strength with --eta)');
  if (job.strength !== undefined) validateStrength(job.strength);
  checkRegionFlags(job.region, job.mode ?? 'imagic');
  const { image, sha256 } = await readImageAsync(job.imagePath);
  const region = await regionOfAsync(job.region, image);
  await prepareOutDirAsync(job.outDir);
  const modelDir = await resolveModelDirAsync(job.dataDir, job.modelDir);
  const opened: ImagicEngine[] = [];
  try {
    const own = { ...(job.train ? { train: job.train } : {}), ...(job.sample ? { sample: job.sample } : {}) };
    const ctx = cliContext(job.dataDir, job.provider, hooks, opened);
    const edit = { editId: newEditId(), image, sha256, prompt: job.prompt, preset: job.preset, modelDir, own, region };
    const outcome =
      job.mode === 'quick'
        ? await runQuickEditAsync(ctx, { ...edit, strength: job.strength, subject: job.subject })
        : await runNewEditAsync(ctx, { ...edit, subject: job.subject });
    const name = job.mode === 'quick' ? `quick-${outcome.editId}` : outcome.editId;
    const outputs = await writeOutputsAsync(name, outcome.images, job.outDir);
    return report(outcome, outputs, t0, await maskFileAsync(job.region, outcome, name, job.outDir));
  } finally {
    await closeAll(opened);
  }
}

/** Stage 3 only, from a saved edit; sampling settings default to those the edit was first rendered with. */
export async function runRenderAsync(job: RenderJob, hooks: RunHooks = {}): Promise<JobReport> {
  const t0 = performance.now();
  checkRegionFlags(job.region, 'imagic');
  const store = new EditStore(job.dataDir);
  // The mask is checked against the saved edit's layer before any model loads.
  const region = job.region && (await regionOfAsync(job.region, (await store.readManifestAsync(job.editId)).input));
  await prepareOutDirAsync(job.outDir);
  const opened: ImagicEngine[] = [];
  try {
    const ctx = cliContext(job.dataDir, job.provider, hooks, opened);
    const outcome = await renderEditAsync(ctx, job.editId, job.sample, region);
    const outputs = await writeOutputsAsync(job.editId, outcome.images, job.outDir);
    return report(outcome, outputs, t0, await maskFileAsync(job.region, outcome, job.editId, job.outDir));
  } finally {
    await closeAll(opened);
  }
}
