// One edit from request to saved result, for both front ends: the CLI (cli/edit-runs.ts: files in, PNGs out) and
// the daemon (engine-host/imagic-runner.ts: the panel's requests, one engine kept open between jobs). Each front end
// turns its input into a NewEdit and says how it gets an engine; everything between — the settings (edit-settings.ts),
// the time estimate, stages 1–2, the saved edit, stage 3, the results kept for the dashboard and the cost — happens
// here, once.
import { layAdapter, readSubjectAdapterAsync, type SubjectAdapter } from '../learn/subject-adapter.ts';
import { fail, ImagicError } from '../errors.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import { unknownWords } from '../../../shared/src/protocol/prompt-words.ts';
import { editCost, type EditCost } from './cost.ts';
import { checkEditModelAsync, newEditManifest, type EditManifest } from './edit-manifest.ts';
import { editSettingsAsync, renderSettings, type EditSettings, type OwnSettings, type Some } from './edit-settings.ts';
import type { EditStore } from './edit-store.ts';
import { learnedTokensAsync } from '../models/learned-store.ts';
import type { EditSubject, ImagicEngine, RenderedImage } from './imagic-engine.ts';
import { AUTO_MASK } from './auto-mask.ts';
import {
  checkedMask,
  defaultFeatherPx,
  grownMask,
  validateFeather,
  type EditMask,
  type EditRegion,
} from './edit-region.ts';
import {
  readPackageBackwardRatioAsync,
  readPackagePromptsAsync,
  readPackageQuickStrengthAsync,
} from './package-settings.ts';
import type { RunHooks } from './progress.ts';
import { estimateAsync, jobPlan, type StagePlan } from './progress-estimate.ts';
import { DEFAULT_STRENGTH, quickStartStep, validateStrength } from './quick-edit.ts';
import type { Preset, SampleSettings, TrainSettings } from './settings.ts';
import type { EditMode } from '../../../shared/src/protocol/edit-request.ts';

/** How a front end runs edits. */
export interface EditRunContext {
  readonly dataDir: string;
  readonly store: EditStore;
  /** The engine for a model folder at a working size (the CLI opens one per run; the daemon keeps one open). */
  engineAsync(modelDir: string, workingSize: number | undefined): Promise<ImagicEngine>;
  readonly hooks: RunHooks;
  /** Told when something that fails nothing went wrong (results not kept for the dashboard). */
  readonly onNotice?: (message: string) => void;
}

export interface NewEdit {
  readonly editId: string;
  readonly image: RgbaImage;
  /** sha256 of the input as it arrived (the file's bytes, the upload's), recorded in the edit's manifest. */
  readonly sha256: string;
  readonly prompt: string;
  readonly preset: Preset;
  /** The package folder (resolveModelDirAsync in the front end). */
  readonly modelDir: string;
  /** The model's working canvas in pixels; the package's own when absent. */
  readonly workingSize?: number;
  readonly own?: OwnSettings;
  /** Where the edit may change the layer; everywhere when absent. */
  readonly region?: RegionRequest | undefined;
  /** A subject adapter learned for the model, by its word, switched on (either mode). */
  readonly subject?: string | undefined;
}

/**
 * The caller's region: its own mask, or DiffEdit's automatic one (auto-mask.ts) from Imagic's e_opt where there is one,
 * else from `sourcePrompt`, else from the empty prompt. `featherPx`: the blended edge's width (defaultFeatherPx).
 */
export type RegionRequest =
  | { readonly kind: 'mask'; readonly mask: EditMask; readonly featherPx?: number | undefined }
  | {
      readonly kind: 'auto';
      readonly sourcePrompt?: string | undefined;
      readonly featherPx?: number | undefined;
      /** Grow (> 0) or shrink (< 0) the found mask by this many pixels (edit-region.ts grownMask). */
      readonly growPx?: number | undefined;
    };

export interface EditOutcome {
  /** imagic: trained and saved as `editId`; quick: nothing saved, `editId` only names the files. */
  readonly mode: EditMode;
  readonly editId: string;
  /** Seeds-major, as the engine samples. */
  readonly images: readonly RenderedImage[];
  /** Null for a re-render and a quick edit. */
  readonly train: TrainSettings | null;
  /** A quick edit's has its strength. */
  readonly sample: SampleSettings;
  readonly cost: EditCost;
  /** Milliseconds per part: load (getting the engine), encode, embed, finetune, sample. */
  readonly timing: Readonly<Record<string, number>>;
  readonly provider: { readonly provider: string; readonly reason: string };
  readonly finalLoss: EditManifest['final_loss'];
  /** The mask the outputs kept the layer outside of (the caller's, or the automatic one); absent without a region. */
  readonly mask?: EditMask;
}

/** The checks a region request passes before any work: a non-empty mask of the layer's size, a feather in range. */
function checkRegion(request: RegionRequest | undefined, layer: { width: number; height: number }): void {
  if (request === undefined) return;
  if (request.featherPx !== undefined) validateFeather(request.featherPx);
  if (request.kind !== 'mask') return;
  checkedMask(request.mask);
  if (request.mask.width !== layer.width || request.mask.height !== layer.height)
    fail(
      'INVALID_SPEC',
      `the mask is ${request.mask.width}×${request.mask.height} px; it must be the layer's size, ${layer.width}×${layer.height} px`,
    );
}

/** The region `request` names, for `image`: an automatic mask is computed here, from `source` (e_opt or a prompt). */
async function regionFor(
  engine: ImagicEngine,
  image: RgbaImage,
  prompt: string,
  request: RegionRequest | undefined,
  source: Float32Array | undefined,
): Promise<EditRegion | undefined> {
  if (request === undefined) return undefined;
  const featherPx = request.featherPx ?? defaultFeatherPx(image);
  // The caller's mask passed checkRegion before any work; an automatic one is checked once found and grown.
  if (request.kind === 'mask') return { mask: request.mask, featherPx };
  const growPx = request.growPx ?? 0;
  const found = await engine.autoMaskAsync(image, prompt, source ?? request.sourcePrompt ?? '');
  const mask = grownMask(found, growPx);
  if (!mask.change.some((v) => v === 1))
    fail('INVALID_SPEC', `the automatic mask shrunk by ${-growPx} px leaves nothing to change; shrink it less`);
  return { mask, featherPx };
}

/** The UNet passes of an automatic mask (auto-mask.ts: a guided pair per noise draw), else 0. */
const maskPasses = (request: RegionRequest | undefined): number => (request?.kind === 'auto' ? 2 * AUTO_MASK.draws : 0);

const last = (values: readonly number[]) => values.at(-1) ?? null;

/** Stages 1–3: trains, saves the edit under `edit.editId`, renders; a cancelled edit leaves nothing behind. */
export async function runNewEditAsync(ctx: EditRunContext, edit: NewEdit): Promise<EditOutcome> {
  checkRegion(edit.region, edit.image);
  const { train, sample } = await checkedSettingsAsync(ctx, edit);
  const subject = edit.subject && (await readSubjectAdapterAsync(ctx.dataDir, edit.modelDir, edit.subject));
  const started = await startAsync(ctx, edit.modelDir, edit.workingSize, jobPlan(train, sample));
  const { load, estimate } = started;
  const engine = withSubject(started.engine, subject);
  const { state, timing } = await engine.trainAsync(edit.image, edit.prompt, train, estimate.hooks);
  const manifest = newEditManifest({
    editId: edit.editId,
    modelId: engine.pkg.modelId,
    modelDir: engine.pkg.dir,
    preset: edit.preset,
    sample,
    input: { sha256: edit.sha256, width: edit.image.width, height: edit.image.height },
    state,
    sequenceLength: engine.pkg.sequenceLength,
  });
  await ctx.store.saveAsync(edit.editId, manifest, state);
  try {
    const s0 = performance.now();
    const region = await regionFor(engine, edit.image, edit.prompt, edit.region, state.embeddings.optimized);
    const images = await engine.renderAsync(state, sample, estimate.hooks, region);
    const sampled = performance.now() - s0;
    await estimate.recordAsync();
    await keepResultsAsync(ctx, edit.editId, images, sample);
    return {
      mode: 'imagic',
      editId: edit.editId,
      images,
      train,
      sample,
      cost: withMask(editCost(train, sample, await readPackageBackwardRatioAsync(edit.modelDir)), edit.region),
      timing: { load, ...timing, sample: sampled },
      provider: engine.provider,
      finalLoss: { embed: last(state.losses.embed), finetune: last(state.losses.finetune) },
      ...(region ? { mask: region.mask } : {}),
    };
  } catch (err) {
    // A cancelled edit leaves nothing behind: the designer asked for it not to happen.
    if (err instanceof ImagicError && err.code === 'CANCELLED')
      await ctx.store.deleteAsync(edit.editId).catch(() => undefined);
    throw err;
  }
}

/**
 * Mode `quick` (SDEdit, quick-edit.ts): the base model from the layer noised to `strength`, toward the prompt; nothing
 * is trained or saved, so the outcome's `editId` only names the files.
 */
export async function runQuickEditAsync(
  ctx: EditRunContext,
  edit: NewEdit & { readonly strength?: number | undefined },
): Promise<EditOutcome> {
  checkRegion(edit.region, edit.image);
  // The caller's strength, else the model's recommendation, else the engine's default.
  const strength = validateStrength(
    edit.strength ?? (await readPackageQuickStrengthAsync(edit.modelDir)) ?? DEFAULT_STRENGTH,
  );
  const settings = await checkedSettingsAsync(ctx, edit);
  const subject = edit.subject && (await readSubjectAdapterAsync(ctx.dataDir, edit.modelDir, edit.subject));
  // SDEdit from the layer at `strength`: a preset's inversion (stage-inversion.ts) is Imagic's, not a quick edit's.
  const { inversion: _, ...plain } = settings.sample;
  const sample = { ...plain, strength };
  // The UNet passes it runs: the steps after the skipped ones, per seed (η plays no part).
  const run = { ...sample, etas: [1], steps: sample.steps - quickStartStep(sample.steps, strength) };
  const started = await startAsync(ctx, edit.modelDir, edit.workingSize, jobPlan(null, run));
  const { load, estimate } = started;
  const engine = withSubject(started.engine, subject);
  const s0 = performance.now();
  const region = await regionFor(engine, edit.image, edit.prompt, edit.region, undefined);
  const images = await engine.quickEditAsync(edit.image, edit.prompt, sample, strength, estimate.hooks, region);
  const sampled = performance.now() - s0;
  await estimate.recordAsync();
  return {
    mode: 'quick',
    editId: edit.editId,
    images,
    train: null,
    sample,
    cost: withMask(editCost(null, run, await readPackageBackwardRatioAsync(edit.modelDir)), edit.region),
    timing: { load, sample: sampled },
    provider: engine.provider,
    finalLoss: { embed: null, finetune: null },
    ...(region ? { mask: region.mask } : {}),
  };
}

/** Stage 3 of a saved edit: what it was rendered with, then `own`; EDIT_NOT_FOUND or EDIT_STALE when it cannot. */
export async function runRenderAsync(
  ctx: EditRunContext,
  editId: string,
  own: Some<SampleSettings> = {},
  regionRequest?: RegionRequest,
): Promise<EditOutcome> {
  const manifest = await ctx.store.readManifestAsync(editId);
  checkRegion(regionRequest, manifest.input);
  const sample = renderSettings(manifest.sample, own);
  await checkEditModelAsync(manifest);
  const { state } = await ctx.store.loadAsync(editId);
  const subject = state.subject && (await editSubjectAsync(ctx, manifest.model.dir, editId, state.subject));
  const started = await startAsync(ctx, manifest.model.dir, manifest.placement.canvas.width, jobPlan(null, sample));
  const { load, estimate } = started;
  const engine = withSubject(started.engine, subject);
  const s0 = performance.now();
  const region = await regionFor(engine, state.image, state.prompt, regionRequest, state.embeddings.optimized);
  const images = await engine.renderAsync(state, sample, estimate.hooks, region);
  const sampled = performance.now() - s0;
  await estimate.recordAsync();
  await keepResultsAsync(ctx, editId, images, sample);
  return {
    mode: 'imagic',
    editId,
    images,
    train: null,
    sample,
    cost: withMask(editCost(null, sample, await readPackageBackwardRatioAsync(manifest.model.dir)), regionRequest),
    timing: { load, sample: sampled },
    provider: engine.provider,
    finalLoss: manifest.final_loss,
    ...(region ? { mask: region.mask } : {}),
  };
}

/** `engine` with `subject` switched on (ImagicEngine.withSubject), or as it is. */
const withSubject = (engine: ImagicEngine, subject: SubjectAdapter | undefined | '') =>
  subject ? engine.withSubject(layAdapter(engine.pkg, subject)) : engine;

/**
 * The subject adapter a saved edit was trained under, as it was: EDIT_STALE when it has been removed or replaced since
 * (its edit's adapters were trained on top of it).
 */
async function editSubjectAsync(
  ctx: EditRunContext,
  modelDir: string,
  editId: string,
  subject: EditSubject,
): Promise<SubjectAdapter> {
  const stale = (why: string) =>
    fail(
      'EDIT_STALE',
      `edit ${editId} was trained with the subject adapter “${subject.token}”, which ${why}; edit again`,
    );
  const adapter = await readSubjectAdapterAsync(ctx.dataDir, modelDir, subject.token).catch(() =>
    stale('this model no longer has'),
  );
  if (adapter.digest !== subject.digest) stale('has been replaced since');
  return adapter;
}

/** The cost with an automatic mask's UNet passes (cost.ts `mask`), which count in the total. */
function withMask(cost: EditCost, region: RegionRequest | undefined): EditCost {
  const mask = maskPasses(region);
  return mask === 0 ? cost : { ...cost, mask, total: cost.total + mask };
}

/** A new edit's settings, after the checks that cost nothing: an empty prompt fails, unknown words warn. */
async function checkedSettingsAsync(ctx: EditRunContext, edit: NewEdit): Promise<EditSettings> {
  if (!/\S/.test(edit.prompt))
    fail('INVALID_SPEC', 'the prompt is empty: give the target text, e.g. "a photo of a sitting dog"');
  const settings = await editSettingsAsync(edit.modelDir, edit.preset, edit.own);
  // The model's learned words are words it knows, whatever its vocabulary lists.
  const learned = await learnedTokensAsync(ctx.dataDir, edit.modelDir);
  warnUnknownWords(edit.prompt, await readPackagePromptsAsync(edit.modelDir), ctx.hooks, learned);
  return settings;
}

/** The engine (and how long getting it took), and the whole job's estimate for `plan`. */
async function startAsync(ctx: EditRunContext, modelDir: string, workingSize: number | undefined, plan: StagePlan) {
  const t0 = performance.now();
  const engine = await ctx.engineAsync(modelDir, workingSize);
  const load = performance.now() - t0;
  return { engine, load, estimate: await estimateAsync(engine, ctx.dataDir, plan, ctx.hooks) };
}

/** Before any work: a prompt of words the model does not know runs fine and returns something unrelated. */
function warnUnknownWords(
  prompt: string,
  prompts: Awaited<ReturnType<typeof readPackagePromptsAsync>>,
  hooks: RunHooks,
  learned: readonly string[],
): void {
  const unknown = unknownWords(prompt, prompts?.vocabulary, learned);
  if (unknown.length === 0 || !prompts) return;
  const example = prompts.examples[0];
  hooks.onWarning?.(
    `this model does not know ${unknown.map((w) => `"${w}"`).join(', ')}; it knows only: ${prompts.vocabulary!.join(', ')}.` +
      (example ? ` Try a prompt like "${example}".` : ''),
  );
}

/**
 * The results as the edit's latest, for the dashboard, unless they are a quicker render than those kept (a preview
 * while the panel's slider moves, or the panel's first look). A failure to keep them (the edit deleted meanwhile)
 * fails nothing.
 */
async function keepResultsAsync(
  ctx: EditRunContext,
  editId: string,
  images: readonly RenderedImage[],
  sample: SampleSettings,
): Promise<void> {
  try {
    const kept = await ctx.store.latestResultsAsync(editId);
    if (kept !== null && sample.steps < kept.sampling.steps) return;
    await ctx.store.saveOutputsAsync(editId, images, sample);
  } catch (err) {
    ctx.onNotice?.(
      `edit ${editId}: its results were not kept for the dashboard: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
