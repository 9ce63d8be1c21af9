// The daemon's front end to the one edit orchestration (engine/edit-run.ts): the panel's requests in the engine's
// terms (request-settings.ts), outputs in the protocol's order, and one engine kept open between jobs, for the model
// and working size last used, because opening a model costs seconds to minutes; a job for another model closes it
// and opens that one. This runs inside the engine thread (thread/engine-worker.ts): the engine builds
// gradient graphs in JavaScript, which would otherwise stall the daemon's event loop for seconds.
import path from 'node:path';
import type { EditRequest, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import {
  runNewEditAsync,
  runQuickEditAsync,
  runRenderAsync,
  type EditRunContext,
  type RegionRequest,
} from '../engine/edit-run.ts';
import { EditStore } from '../engine/edit-store.ts';
import type { EditMask } from '../engine/edit-region.ts';
import { ImagicEngine, type RenderedImage } from '../engine/imagic-engine.ts';
import type { RunHooks } from '../engine/progress.ts';
import type { ProviderSetting } from '../runtime/worker/provider-choice.ts';
import { fail } from '../errors.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import type { Logger } from '../log.ts';
import { requestedModelAsync } from '../models/model-store.ts';
import { learnedStampAsync } from '../models/learned-store.ts';
import { learnJobOf, runLearnAsync } from '../learn/learn-run.ts';
import { DEFAULT_WORKING_SIZE } from '../engine/package-loader.ts';
import type { LearnRequest } from '../../../shared/src/protocol/learn-request.ts';
import type { RenderedOutput, RunControl, RunResult } from './edit-engine.ts';
import type { RunnerState } from './engine-status.ts';
import { etasMajor, requestSettings } from './request-settings.ts';

export type ImagicRunnerOptions = {
  dataDir: string;
  logger: Logger;
  provider?: ProviderSetting;
  /** Told whenever the loaded model or provider changes, for `status`. */
  onState?: (state: RunnerState) => void;
};

/** `learned`: the stamp of the model's learned words when it opened; new words reopen it (learned-store.ts). */
type OpenEngine = { dir: string; workingSize: number; staticSize: boolean; learned: string; engine: ImagicEngine };

const toOutput = (img: RenderedImage): RenderedOutput => ({
  eta: img.eta,
  seed: img.seed,
  width: img.width,
  height: img.height,
  rgba: img.rgba,
});

export class ImagicRunner {
  private open: OpenEngine | undefined;
  private readonly store: EditStore;

  constructor(private readonly options: ImagicRunnerOptions) {
    this.store = new EditStore(options.dataDir);
  }

  async startEditAsync(
    editId: string,
    request: EditRequest,
    image: RgbaImage,
    control: RunControl,
    region?: RegionRequest,
  ): Promise<RunResult> {
    const model = await requestedModelAsync(this.options.dataDir, request.model);
    const edit = {
      editId,
      image,
      // The handler fills in the companion's own hash of the upload (server/handlers/edits.ts).
      sha256: request.image.sha256 ?? fail('INTERNAL', 'an edit job without the hash of its image'),
      prompt: request.prompt,
      preset: request.preset,
      modelDir: model.dir,
      workingSize: request.workingResolutionPx,
      own: requestSettings(request),
      region,
      subject: request.subject,
    };
    const outcome =
      request.mode === 'quick'
        ? await runQuickEditAsync(this.context(control), { ...edit, strength: request.strength })
        : await runNewEditAsync(this.context(control), edit);
    return {
      outputs: etasMajor(outcome.images.map(toOutput), request.sampling),
      cost: outcome.cost,
      ...autoMask(region, outcome.mask),
    };
  }

  async renderAsync(
    editId: string,
    sampling: SamplingSettings,
    control: RunControl,
    region?: RegionRequest,
  ): Promise<RunResult> {
    const outcome = await runRenderAsync(this.context(control), editId, sampling, region);
    return {
      outputs: etasMajor(outcome.images.map(toOutput), sampling),
      cost: outcome.cost,
      ...autoMask(region, outcome.mask),
    };
  }

  /** A learn job (learn/learn-run.ts, the CLI's orchestration too) on the request's model, or the default one. */
  async learnAsync(request: LearnRequest, images: readonly RgbaImage[], control: RunControl): Promise<RunResult> {
    const model = await requestedModelAsync(this.options.dataDir, request.model);
    const outcome = await runLearnAsync(
      {
        dataDir: this.options.dataDir,
        hooks: hooksOf(control),
        // Any open engine for the model serves: learning draws on the UNet at whatever size it was opened.
        engineAsync: (dir) => this.engineForAsync(dir, 'any', control),
      },
      learnJobOf(request, model.dir, images),
    );
    return {
      outputs: [],
      cost: { embed: 0, finetune: 0, sample: 0, ...outcome.cost },
      learned: { token: outcome.token, kind: outcome.kind, file: outcome.file },
    };
  }

  /** The one edit orchestration (engine/edit-run.ts) with this runner's open engine and the job's control. */
  private context(control: RunControl): EditRunContext {
    return {
      dataDir: this.options.dataDir,
      store: this.store,
      hooks: hooksOf(control),
      onNotice: (message) => this.options.logger.warn(message),
      // Every daemon job names its working size: a new edit in its request, a re-render in its manifest.
      engineAsync: (dir, workingSize) =>
        this.engineForAsync(dir, workingSize ?? fail('INTERNAL', 'a daemon job without a working size'), control),
    };
  }

  async closeAsync(): Promise<void> {
    const open = this.open;
    this.open = undefined;
    await open?.engine.closeAsync();
    this.report(null);
  }

  private report(loadingDir: string | null): void {
    const provider = this.open?.engine.provider.provider ?? null;
    this.options.onState?.({ openDir: this.open?.dir ?? null, loadingDir, provider });
  }

  /** The open engine when it fits, else a fresh one (closing the old one first: one model in memory at a time). */
  private async engineForAsync(dir: string, asked: number | 'any', control: RunControl): Promise<ImagicEngine> {
    const open = this.open;
    const learned = await learnedStampAsync(this.options.dataDir, dir);
    const fits = (o: OpenEngine) => o.staticSize || asked === 'any' || o.workingSize === asked;
    if (open && open.dir === dir && open.learned === learned && fits(open)) return open.engine;
    const workingSize = asked === 'any' ? (open?.workingSize ?? DEFAULT_WORKING_SIZE) : asked;
    await this.closeAsync();
    control.onProgress({ stage: 'encode', step: 0, total: 1 });
    this.report(dir);
    let engine: ImagicEngine;
    try {
      const t0 = performance.now();
      engine = await ImagicEngine.openAsync({
        modelDir: dir,
        workingSize,
        dataDir: this.options.dataDir,
        ...(this.options.provider ? { provider: this.options.provider } : {}),
      });
      this.options.logger.info(
        `opened model ${path.basename(dir)} in ${Math.round(performance.now() - t0)} ms on ${engine.provider.provider} (${engine.provider.reason})`,
      );
    } finally {
      this.report(null);
    }
    // A UNet with static sample dims ignores the working size; any request fits it.
    this.open = { dir, workingSize, staticSize: engine.pkg.imageSize.width !== workingSize, learned, engine };
    this.report(null);
    control.signal.throwIfAborted();
    return engine;
  }
}

function hooksOf(control: RunControl): RunHooks {
  return {
    signal: control.signal,
    onProgress: (e) => {
      // Loading the model has no step count worth showing; it counts as the start of encoding.
      if (e.stage === 'load') return control.onProgress({ stage: 'encode', step: 0, total: 1 });
      control.onProgress({
        stage: e.stage,
        step: e.step,
        total: e.total,
        ...(e.loss === undefined ? {} : { loss: e.loss }),
        ...(e.secondsLeft === undefined ? {} : { secondsLeft: e.secondsLeft }),
      });
    },
  };
}

/** The mask a run found for itself goes back with its results (the designer's own they have already). */
const autoMask = (region: RegionRequest | undefined, mask: EditMask | undefined): { mask?: EditMask } =>
  region?.kind === 'auto' && mask ? { mask } : {};
