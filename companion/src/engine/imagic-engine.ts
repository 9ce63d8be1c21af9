// The Imagic engine: a loaded package plus its sessions, and the paper's stages as two phases (diffusers'
// prepare/generate split): `trainAsync` runs stages 1–2 (embedding optimisation, adapter fine-tuning) and returns
// the state a re-render needs; `renderAsync` runs stage 3 from such a state, any number of times.
import { initAdapterValues, type AdapterInfo } from '../autodiff/adapters.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import { fromModelOutput, toModelInput, type Placement } from '../images/model-input.ts';
import { loadPackageAsync, type ImagicPackage, type LoadOptions } from './package-loader.ts';
import { adapterPatterns } from './adapter-targets.ts';
import { fades } from './late-adapters.ts';
import type { RunHooks } from './progress.ts';
import { SessionPool } from './session-pool.ts';
import { validateSampleSettings, validateTrainSettings, type SampleSettings, type TrainSettings } from './settings.ts';
import { encodeImageAsync, encodeTextAsync } from './stage-encode.ts';
import { sampleAllAsync, type Embeddings, type SampledImage, type SamplingUNet } from './stage-sample.ts';
import { AUTO_MASK, autoMaskLatentAsync, maskOnLayer, type AutoMaskSettings } from './auto-mask.ts';
import { composite, featherWeights, latentMask, type EditMask, type EditRegion } from './edit-region.ts';
import { fail } from '../errors.ts';
import { quickStartStep } from './quick-edit.ts';
import { trainAsync } from './training-loop.ts';
import {
  adapterTrainingSessionAsync,
  adapterLayout,
  embeddingTrainingSessionAsync,
  EMBEDDING_INPUT,
  predictionsFor,
  samplingSessionAsync,
  type AdapterSpec,
} from './unet-graphs.ts';
import { learnEmbeddingAsync, type LearnedEmbedding, type LearnRequest } from '../learn/learn-embedding.ts';
import { learnSubjectAsync, type LearnedSubject, type SubjectRequest } from '../learn/learn-adapter.ts';
import type { LaidAdapter } from '../learn/subject-adapter.ts';
import { withSubjectUNet } from '../learn/subject-unet.ts';
import { sampleInvertedAsync } from './stage-inversion.ts';
import type { ProviderReport, ProviderSetting } from '../runtime/worker/provider-choice.ts';

export interface EngineOptions extends LoadOptions {
  readonly modelDir: string;
  readonly provider?: ProviderSetting;
  readonly intraOpThreads?: number;
  /**
   * Keep the two training graphs' sessions open after their stage (faster repeated edits in a daemon). Off by
   * default: each holds a copy of the UNet's weights (3.4 GB for SD 1.x in fp32), and out-of-memory is the most
   * reported Imagic failure.
   */
  readonly keepTrainingSessions?: boolean;
}

/** Sampled images at the input's size, with its alpha; with a region, the input's own pixels outside it. */
async function toRendered(
  images: readonly SampledImage[],
  placement: Placement,
  image: RgbaImage,
  region?: EditRegion,
): Promise<RenderedImage[]> {
  const weights = region && featherWeights(region.mask, region.featherPx);
  const out: RenderedImage[] = [];
  for (const img of images) {
    const decoded = await fromModelOutput(img.pixels, placement, image);
    const rgba = weights ? composite(decoded, image.rgba, weights) : decoded;
    out.push({ eta: img.eta, seed: img.seed, rgba, pixels: img.pixels, width: image.width, height: image.height });
  }
  return out;
}

/** The latent grid's size (the UNet's sample, without batch and channels). */
const gridOf = (pkg: ImagicPackage) => ({ width: pkg.latentDims[3], height: pkg.latentDims[2] });

/** A subject adapter an edit was trained under: its word and a digest of its file (a re-render checks both). */
export interface EditSubject {
  readonly token: string;
  readonly digest: string;
}

/** Everything stage 3 needs, and what the edit store saves. */
export interface TrainedState {
  readonly modelId: string;
  readonly subject?: EditSubject | undefined;
  readonly prompt: string;
  readonly train: TrainSettings;
  readonly embeddings: Embeddings;
  readonly adapterSpec: AdapterSpec;
  readonly adapters: readonly AdapterInfo[];
  readonly adapterValues: ReadonlyMap<string, Float32Array>;
  /** The input's RGBA (its alpha goes back onto every output) and where it sits on the working canvas. */
  readonly image: RgbaImage;
  readonly placement: Placement;
  readonly losses: { readonly embed: readonly number[]; readonly finetune: readonly number[] };
}

export interface TrainTiming {
  readonly encode: number;
  readonly embed: number;
  readonly finetune: number;
}

export interface RenderedImage {
  readonly eta: number;
  readonly seed: number;
  /** Straight RGBA at the input's size, with the input's alpha. */
  readonly rgba: Uint8Array;
  /** The decoder's output before conversion: NCHW [1, 3, H, W] at the working size, nominally in [-1, 1]. */
  readonly pixels: Float32Array;
  readonly width: number;
  readonly height: number;
}

const since = (t0: number) => performance.now() - t0;

export class ImagicEngine {
  private constructor(
    readonly pkg: ImagicPackage,
    private readonly pool: SessionPool,
    private readonly keepTrainingSessions: boolean,
    /** The subject adapter folded into this engine's UNet (withSubject), if any. */
    readonly subject?: EditSubject,
  ) {}

  /**
   * This engine with a subject adapter switched on: folded into the UNet's weights (learn/subject-unet.ts) for every
   * stage and mode, so an Imagic edit trains its own adapters on top of the subject's model. A view: it shares this
   * engine's sessions and is closed with it.
   */
  withSubject(subject: LaidAdapter): ImagicEngine {
    if (this.subject) fail('INTERNAL', 'an engine takes one subject adapter');
    return new ImagicEngine(withSubjectUNet(this.pkg, subject), this.pool, this.keepTrainingSessions, {
      token: subject.token,
      digest: subject.digest,
    });
  }

  static async openAsync(options: EngineOptions): Promise<ImagicEngine> {
    const pool = new SessionPool({
      provider: options.provider ?? 'auto',
      ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    });
    try {
      const pkg = await loadPackageAsync(options.modelDir, pool, {
        ...(options.workingSize ? { workingSize: options.workingSize } : {}),
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      });
      return new ImagicEngine(pkg, pool, options.keepTrainingSessions === true);
    } catch (err) {
      await pool.closeAsync();
      throw err;
    }
  }

  get provider(): ProviderReport {
    return this.pool.provider ?? { provider: 'cpu', reason: 'no session opened yet' };
  }

  /** Stages 1–2 for one image and target text. */
  async trainAsync(
    image: RgbaImage,
    prompt: string,
    train: TrainSettings,
    hooks: RunHooks = {},
  ): Promise<{ state: TrainedState; timing: TrainTiming }> {
    validateTrainSettings(train);
    const pkg = this.pkg;
    let t0 = performance.now();
    const input = await toModelInput(image, pkg.imageSize);
    const z0 = await encodeImageAsync(pkg, input.pixels);
    const target = await encodeTextAsync(pkg, prompt);
    const empty = await encodeTextAsync(pkg, '');
    hooks.onProgress?.({ stage: 'encode', step: 1, total: 1 });
    const encode = since(t0);

    // Stage 1: e_opt = argmin_e L(z0, e, θ), from e_tgt, θ frozen.
    t0 = performance.now();
    const embedding = new Map([[EMBEDDING_INPUT, target.slice()]]);
    let embedLosses: number[] = [];
    if (train.embedSteps > 0) {
      const graph = await embeddingTrainingSessionAsync(pkg, this.pool);
      const run = {
        stage: 'embed',
        session: graph.session,
        carried: graph.carried,
        params: embedding,
        fixed: new Map(),
        z0,
        scheduler: pkg.scheduler,
        steps: train.embedSteps,
        lr: train.embedLr,
        lrSchedule: train.embedLrSchedule ?? 'constant',
        seed: train.seed,
        trainStrength: train.trainStrength,
      } as const;
      embedLosses = (await this.trainReleasing(graph.key, () => trainAsync(run, hooks))).losses;
    }
    const optimized = embedding.get(EMBEDDING_INPUT)!;
    const embed = since(t0);

    // Stage 2: θ̂ = argmin_θ L(z0, e_opt, θ) over the adapters, e_opt frozen.
    t0 = performance.now();
    const adapterSpec: AdapterSpec = {
      targets: adapterPatterns(train.adapterTargets),
      rank: train.adapterRank,
      alpha: train.adapterAlpha,
    };
    const layout = adapterLayout(pkg, adapterSpec);
    const adapterValues = initAdapterValues(layout.adapters, train.seed);
    let tuneLosses: number[] = [];
    if (train.tuneSteps > 0) {
      const graph = await adapterTrainingSessionAsync(pkg, this.pool, adapterSpec, layout);
      // seed + 1: the two stages draw their (t, ε) from independent streams.
      const run = {
        stage: 'finetune',
        session: graph.session,
        carried: graph.carried,
        params: adapterValues,
        fixed: new Map([[EMBEDDING_INPUT, optimized]]),
        z0,
        scheduler: pkg.scheduler,
        steps: train.tuneSteps,
        lr: train.tuneLr,
        lrSchedule: train.tuneLrSchedule ?? 'constant',
        seed: train.seed + 1,
        trainStrength: train.trainStrength,
      } as const;
      tuneLosses = (await this.trainReleasing(graph.key, () => trainAsync(run, hooks))).losses;
    }
    const adapters = layout.adapters;
    const finetune = since(t0);

    const state: TrainedState = {
      modelId: pkg.modelId,
      ...(this.subject ? { subject: this.subject } : {}),
      prompt,
      train,
      embeddings: { target, optimized, empty },
      adapterSpec,
      adapters,
      adapterValues,
      image,
      placement: input.placement,
      losses: { embed: embedLosses, finetune: tuneLosses },
    };
    return { state, timing: { encode, embed, finetune } };
  }

  /**
   * Stage 3 for every (η, seed) of `sample`; images come back at the input's size with its alpha. With a `region`,
   * only it changes (edit-region.ts).
   */
  async renderAsync(
    state: TrainedState,
    sample: SampleSettings,
    hooks: RunHooks = {},
    region?: EditRegion,
  ): Promise<RenderedImage[]> {
    validateSampleSettings(sample);
    if (state.subject?.digest !== this.subject?.digest)
      fail('INTERNAL', 'a render needs the engine with the subject adapter its edit was trained under (withSubject)');
    // The guided pair as one batch-2 run where the export allows it (unet-graphs.ts, predictionsFor).
    const adapters = {
      spec: state.adapterSpec,
      values: state.adapterValues,
      mode: fades(sample.lateAdapters) ? 'scaled' : 'merged',
    } as const;
    const step = await samplingSessionAsync(
      this.pkg,
      this.pool,
      adapters,
      predictionsFor(this.pkg, sample.guidanceScale),
    );
    return this.sampleLayerAsync(
      step,
      state.embeddings,
      sample,
      { image: state.image, placement: state.placement },
      hooks,
      region,
    );
  }

  /**
   * Stage 3's loop for `layer`: from pure noise, or from the layer's latent noised to `sample.strength` (SDEdit's start,
   * quick-edit.ts); with a `region`, the layer's latent kept outside it at every step and its pixels after decoding
   * (edit-region.ts). `layer.latent`, when the caller has it, saves encoding the layer again.
   */
  private async sampleLayerAsync(
    net: SamplingUNet,
    embeddings: Embeddings,
    sample: SampleSettings,
    layer: { readonly image: RgbaImage; readonly placement: Placement; readonly latent?: Float32Array },
    hooks: RunHooks,
    region: EditRegion | undefined,
  ): Promise<RenderedImage[]> {
    if (sample.inversion) {
      // Outside a region the layer's own pixels come back (toRendered), as after any render.
      const z0 = layer.latent ?? (await this.latentOf(layer.image));
      const steps = sample.steps - quickStartStep(sample.steps, sample.strength ?? 1);
      const progress = { done: 0, total: sample.seeds.length * steps * (sample.etas.length + 1) };
      const out: SampledImage[] = [];
      for (const seed of sample.seeds)
        out.push(...(await sampleInvertedAsync(this.pkg, net, embeddings, z0, sample, seed, hooks, progress)));
      return toRendered(out, layer.placement, layer.image, region);
    }
    const fromLayer = sample.strength !== undefined && sample.strength !== 1;
    const latent = fromLayer || region ? (layer.latent ?? (await this.latentOf(layer.image))) : undefined;
    const from = fromLayer ? { latent: latent!, step: quickStartStep(sample.steps, sample.strength!) } : undefined;
    const keep = region && { latent: latent!, mask: latentMask(region.mask, layer.placement, gridOf(this.pkg)) };
    const images = await sampleAllAsync(this.pkg, net, embeddings, sample, hooks, from, keep);
    return toRendered(images, layer.placement, layer.image, region);
  }

  /**
   * DiffEdit's automatic mask (auto-mask.ts) for editing `image` toward `prompt`, from `source`: Imagic's e_opt, a
   * source prompt's embedding, or (absent) the empty prompt's. INVALID_SPEC when it marks nothing.
   */
  async autoMaskAsync(
    image: RgbaImage,
    prompt: string,
    source?: Float32Array | string,
    seed = 0,
    settings?: AutoMaskSettings,
  ): Promise<EditMask> {
    const pkg = this.pkg;
    const input = await toModelInput(image, pkg.imageSize);
    const z0 = await encodeImageAsync(pkg, input.pixels);
    const target = await encodeTextAsync(pkg, prompt);
    const from = source instanceof Float32Array ? source : await encodeTextAsync(pkg, source ?? '');
    const net = await samplingSessionAsync(pkg, this.pool, undefined, predictionsFor(pkg, 2));
    const map = await autoMaskLatentAsync(pkg, net, z0, { source: from, target }, seed, settings);
    const change = maskOnLayer(map, gridOf(pkg), input.placement, image, settings ?? AUTO_MASK);
    const mask = { width: image.width, height: image.height, change: Uint8Array.from(change) };
    if (!mask.change.some((v) => v === 1))
      fail(
        'INVALID_SPEC',
        'the automatic mask marks nothing: the model reads the layer the same under the source and the target text. ' +
          'Give a mask, or edit without one',
      );
    return mask;
  }

  private async latentOf(image: RgbaImage): Promise<Float32Array> {
    const input = await toModelInput(image, this.pkg.imageSize);
    return encodeImageAsync(this.pkg, input.pixels);
  }

  /**
   * Mode `quick` (SDEdit, quick-edit.ts): the base model denoises the layer from the level `strength` toward
   * `prompt`, one output per seed (η plays no part: there is no e_opt); nothing is trained or saved.
   */
  async quickEditAsync(
    image: RgbaImage,
    prompt: string,
    sample: SampleSettings,
    strength: number,
    hooks: RunHooks = {},
    region?: EditRegion,
  ): Promise<RenderedImage[]> {
    validateSampleSettings({ ...sample, strength });
    const pkg = this.pkg;
    const input = await toModelInput(image, pkg.imageSize);
    const latent = await encodeImageAsync(pkg, input.pixels);
    const target = await encodeTextAsync(pkg, prompt);
    const empty = await encodeTextAsync(pkg, '');
    hooks.onProgress?.({ stage: 'encode', step: 1, total: 1 });
    // A subject adapter switched on (withSubject) is in this.pkg's UNet already.
    const step = await samplingSessionAsync(pkg, this.pool, undefined, predictionsFor(pkg, sample.guidanceScale));
    const embeddings = { target, optimized: target, empty };
    // The base model has no adapters to fade, and no e_opt to invert under: a preset's late fading and inversion do not
    // apply here.
    const { lateAdapters: _, inversion: __, ...plain } = sample;
    const layer = { image, placement: input.placement, latent };
    return this.sampleLayerAsync(step, embeddings, { ...plain, etas: [1], strength }, layer, hooks, region);
  }

  /**
   * A Textual Inversion learn job (learn/learn-embedding.ts): a new word's vector from a few images of one concept,
   * this engine's models frozen. The caller saves the word (models/learned-store.ts); an engine opened after that
   * understands it in every prompt.
   */
  learnEmbeddingAsync(request: LearnRequest, hooks: RunHooks = {}): Promise<LearnedEmbedding> {
    return learnEmbeddingAsync(this.pkg, this.pool, request, hooks);
  }

  /**
   * A subject adapter (learn/learn-adapter.ts): the word, then LoRA adapters with prior preservation; the caller
   * saves both.
   */
  learnSubjectAsync(request: SubjectRequest, hooks: RunHooks = {}): Promise<LearnedSubject> {
    return learnSubjectAsync(this.pkg, this.pool, request, hooks);
  }

  /** Runs a training stage, then releases its session unless told to keep it (also when the stage fails). */
  private async trainReleasing<T>(key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } finally {
      if (!this.keepTrainingSessions) await this.pool.releaseAsync(key);
    }
  }

  async closeAsync(): Promise<void> {
    await this.pool.closeAsync();
  }
}
