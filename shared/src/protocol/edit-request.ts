// EditRequest: the ONE contract for an Imagic edit. Everything that affects an output is in here, so an edit is
// reproducible from its request alone and the companion can key its cache of trained state on it.
// Stages (see docs/method.md §2): 1 embedding optimisation and 2 fine-tuning depend on image, prompt, fineTune and
// workingResolutionPx; 3 sampling depends only on SamplingSettings, which is why `edit.render` resends only those.
import * as z from 'zod';
import { MAX_IMAGE_SIDE_PX, MAX_OUTPUTS_PER_JOB, MIN_IMAGE_SIDE_PX } from './defaults.ts';
import { ModelId } from './companion-info.ts';
import { HexId } from './ids.ts';

const imageSidePx = z.int().min(MIN_IMAGE_SIDE_PX).max(MAX_IMAGE_SIDE_PX);

/** Points at an image sent earlier on the same socket as an `upload` binary frame. */
export const ImageRef = z.strictObject({
  /** The 16-byte id in the upload frame's header. */
  frameId: HexId,
  /**
   * SHA-256 of the frame payload. Optional: the companion hashes every upload itself (it records the hash with the
   * edit); when given, it must match.
   */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')
    .optional(),
  width: imageSidePx,
  height: imageSidePx,
});
export type ImageRef = z.infer<typeof ImageRef>;

export const Sampler = z.enum(['ddim', 'euler', 'dpmpp2m', 'dpmpp2m-karras']);
export type Sampler = z.infer<typeof Sampler>;

/**
 * quick: about 40% of the community preset's UNet work, a little below it in quality; fast: previews; community (the
 * default): the diffusers pipeline's numbers; paper: the paper's. Their numbers: companion/src/engine/settings.ts
 * PRESETS, which a model may override for itself (imagic_settings.json `presets`).
 */
export const Preset = z.enum(['standard', 'quick', 'fast', 'community', 'paper']);
export type Preset = z.infer<typeof Preset>;

/** How results come back: PNG (Figma places PNG bytes) or straight RGBA8 (Photoshop writes pixels). */
export const OutputFormat = z.enum(['png', 'rgba8']);
export type OutputFormat = z.infer<typeof OutputFormat>;

/** UNet modules that get low-rank adapters (diffusers attention names; `ff` = feed-forward, `conv` = resnet convs). */
export const AdapterTarget = z.enum(['to_q', 'to_k', 'to_v', 'to_out', 'ff', 'conv', 'conv_down']);
export type AdapterTarget = z.infer<typeof AdapterTarget>;

const MAX_ETAS = 16;
const MAX_SEEDS = 16;

/** Late-step fading of the adapters while sampling (companion/src/engine/late-adapters.ts). */
export const LateAdapters = z.strictObject({
  /** Fraction of the sampling steps after which the adapters fade. */
  from: z.number().min(0).max(1),
  /** The adapters' strength over those steps at η ≥ 1 (1 = as trained, 0 = the base model). */
  scale: z.number().min(0).max(1),
});
export type LateAdapters = z.infer<typeof LateAdapters>;

/** Stage 3 only: changing these re-renders from trained state without retraining. */
export const SamplingSettings = z
  .strictObject({
    /**
     * Interpolation weights η for ē = η·e_tgt + (1−η)·e_opt (paper eq. 3). 0 reproduces the input, 1 is the
     * target text; the paper finds good edits at 0.6–0.8 and users go a little past both ends.
     */
    etas: z.array(z.number().min(-0.5).max(2)).min(1).max(MAX_ETAS),
    seeds: z.array(z.uint32()).min(1).max(MAX_SEEDS),
    steps: z.int().min(1).max(200),
    /**
     * Classifier-free guidance. Optional: absent, the companion uses the model's own recommendation
     * (imagic_settings.json: models trained differently want different scales), else the preset's; a re-render
     * without it keeps the edit's.
     */
    guidanceScale: z.number().min(0).max(30).optional(),
    sampler: Sampler,
    /**
     * Fade the fine-tuned adapters over the late sampling steps as η grows: after the fraction `from` of the steps
     * their strength goes to `scale` at η ≥ 1 (η = 0 is untouched; scale 1 turns it off). Layout is decided in the
     * early steps, shape and colour after, so the text gets its say where the input's object already is. Optional:
     * absent, the model's recommendation (imagic_settings.json), else none; a re-render without it keeps the edit's.
     */
    lateAdapters: LateAdapters.optional(),
  })
  .refine((s) => s.etas.length * s.seeds.length <= MAX_OUTPUTS_PER_JOB, {
    message: `etas × seeds must be at most ${MAX_OUTPUTS_PER_JOB} outputs`,
    path: ['seeds'],
  });
export type SamplingSettings = z.infer<typeof SamplingSettings>;

/** Low-rank adapters (LoRA on attention, LoCon on convs) for stage 2. */
export const Adapters = z
  .strictObject({
    rank: z.int().min(1).max(256),
    targets: z.array(AdapterTarget).min(1).max(AdapterTarget.options.length),
    /** Stage 2's Adam rate; absent: the model's recommended rate, else the preset's. */
    lr: z.number().positive().max(0.01).optional(),
  })
  .refine((a) => new Set(a.targets).size === a.targets.length, {
    message: 'targets must not repeat',
    path: ['targets'],
  });
export type Adapters = z.infer<typeof Adapters>;

/** Stages 1 and 2. Step counts and learning rates of public implementations are in docs/method.md §3. */
export const FineTuneSettings = z
  .strictObject({
    /**
     * Stage 1's Adam steps. Absent: the preset's, as the model recommends them for it (imagic_settings.json
     * `presets`), since how many steps reach a preset's quality depends on the model.
     */
    embedSteps: z.int().min(0).max(5000).optional(),
    /**
     * Stage 1's Adam rate. Absent: the model's recommended rate (imagic_settings.json), else the preset's. How far
     * e_opt can move from e_tgt in a fixed number of steps depends on the model's embedding scale, so the right rate
     * is the model's to say (the demo model needs 10× SD's 1e-3 for e_opt to reach the input's content).
     */
    embedLr: z.number().positive().max(0.1).optional(),
    /** Stage 2's Adam steps; absent as embedSteps. */
    tuneSteps: z.int().min(0).max(5000).optional(),
    /**
     * The adapters stage 2 trains. Absent: the model's recommended adapters with their rate (imagic_settings.json),
     * else the preset's. The engine trains low-rank adapters only: whole-UNet fine-tuning (the paper's) does not fit a
     * consumer GPU's memory through its in-graph autodiff.
     */
    adapters: Adapters.optional(),
    /**
     * Before `adapters`, the same as three fields (still accepted): adapterRank N > 0 with adapterTargets and tuneLr
     * is `adapters: { rank: N, targets, lr: tuneLr }`; adapterRank 0 means the companion's adapters, and then tuneLr
     * is not used.
     */
    tuneLr: z.number().positive().max(0.01).optional(),
    adapterRank: z.int().min(0).max(256).optional(),
    adapterTargets: z.array(AdapterTarget).max(AdapterTarget.options.length).optional(),
  })
  .refine((f) => new Set(f.adapterTargets ?? []).size === (f.adapterTargets ?? []).length, {
    message: 'adapterTargets must not repeat a target',
    path: ['adapterTargets'],
  })
  .refine((f) => !f.adapterRank || (f.adapterTargets ?? []).length > 0, {
    message: 'adapterRank > 0 needs at least one adapter target',
    path: ['adapterTargets'],
  })
  .refine((f) => !f.adapterRank || f.tuneLr !== undefined, {
    message: 'adapterRank > 0 needs its tuneLr',
    path: ['tuneLr'],
  })
  .refine((f) => f.adapters === undefined || !f.adapterRank, {
    message: 'give the adapters once: either adapters or adapterRank > 0',
    path: ['adapters'],
  });
export type FineTuneSettings = z.infer<typeof FineTuneSettings>;

/**
 * Where the edit may change the layer; everywhere when absent. Outside it every pixel comes back exactly as it was
 * (companion/src/engine/edit-region.ts). mask: the designer's own, a `mask` binary frame of the layer's size sent
 * before the request (white or opaque may change, black or transparent is kept); auto: DiffEdit's automatic mask,
 * from Imagic's learnt text for the layer, or for a quick edit from `sourcePrompt` (what the layer shows now), else
 * the empty prompt, grown or shrunk by growPx. featherPx: the blended edge's width inside the region; absent, 1% of the
 * layer's longer side.
 */
export const Region = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('mask'), frameId: HexId, featherPx: z.int().min(0).max(256).optional() }),
  z.strictObject({
    kind: z.literal('auto'),
    sourcePrompt: z.string().max(1000).optional(),
    featherPx: z.int().min(0).max(256).optional(),
    /** Grow (> 0) or shrink (< 0) the automatic mask by this many pixels: the panel's Grow and Shrink. */
    growPx: z.int().min(-256).max(256).optional(),
  }),
]);
export type Region = z.infer<typeof Region>;

/**
 * imagic: stages 1–3 (the paper's method), trained and saved, re-rendered with `edit.render`. quick: SDEdit (Meng et
 * al. 2022), the layer noised to `strength` and denoised toward the prompt by the base model: seconds, nothing trained
 * or saved (companion/src/engine/quick-edit.ts).
 */
export const EditMode = z.enum(['imagic', 'quick']);
export type EditMode = z.infer<typeof EditMode>;

/** How far a quick edit departs from the layer: 0.3 keeps its layout and most of its look, 1 draws from the prompt alone. */
export const Strength = z.number().gt(0).max(1);

export const EditRequest = z
  .strictObject({
    image: ImageRef,
    /** The target text: a description of the wanted result, not of the input. CLIP reads at most 77 tokens. */
    prompt: z.string().max(1000).regex(/\S/, 'must not be blank'),
    /** The preset the settings were taken from; recorded for history, the numbers below are what runs. */
    preset: Preset,
    fineTune: FineTuneSettings,
    sampling: SamplingSettings,
    /** The longer image side is scaled to this before encoding; Stable Diffusion 1.x is trained at 512. */
    workingResolutionPx: z.int().min(256).max(1024).multipleOf(64),
    /**
     * The model to edit with, as `models.list` names it. Absent: the companion's default model when the job starts
     * (which may change while it waits).
     */
    model: ModelId.optional(),
    /** How the results come back. Absent: the upload's own format (RGBA8 for an RGBA8 upload, else PNG). */
    outputFormat: OutputFormat.optional(),
    /** Absent: imagic. */
    mode: EditMode.optional(),
    /** A quick edit's strength; absent: the companion's default (DEFAULT_STRENGTH in quick-edit.ts). */
    strength: Strength.optional(),
    region: Region.optional(),
    /**
     * A subject adapter learned for the model (`learn.start` kind adapter), by its word, switched on for this edit in
     * either mode: an Imagic edit trains its own adapters on top of it, and its re-renders use it too.
     */
    subject: z
      .string()
      .regex(/^\S{1,64}$/, 'a learned word, e.g. "<my-dog>"')
      .optional(),
  })
  .refine((r) => r.strength === undefined || r.mode === 'quick', {
    message: 'strength applies to mode quick; an Imagic edit sets how far it departs with sampling.etas',
    path: ['strength'],
  })
  .refine((r) => r.mode !== 'quick' || (r.sampling.etas.length === 1 && r.sampling.etas[0] === 1), {
    message: 'a quick edit draws the target text alone: send sampling.etas [1]',
    path: ['sampling', 'etas'],
  })
  .refine((r) => r.region?.kind !== 'auto' || r.region.sourcePrompt === undefined || r.mode === 'quick', {
    message: "sourcePrompt applies to quick edits: an Imagic edit's automatic mask starts from the text it learnt",
    path: ['region', 'sourcePrompt'],
  })
  .refine((r) => r.mode !== 'quick' || Object.keys(r.fineTune).length === 0, {
    message: 'a quick edit trains nothing: send fineTune {}',
    path: ['fineTune'],
  });
export type EditRequest = z.infer<typeof EditRequest>;
