// Runs edits and re-renders on companion/src/engine: ImagicEngine for the stages, EditStore to save an edit's
// trained state. One engine stays open between jobs, for the model and working size last used, because opening a
// model costs seconds to minutes; a job for another model closes it and opens that one. This runs inside the
// engine thread (engine-thread/engine-worker.ts): the engine builds gradient graphs in JavaScript, which would
// otherwise stall the daemon's event loop for seconds.
import path from 'node:path';
import type { EditRequest, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import { EDIT_MANIFEST_VERSION, type EditManifest } from '../engine/edit-manifest.ts';
import { EditStore } from '../engine/edit-store.ts';
import { ImagicEngine, type RenderedImage, type TrainedState } from '../engine/imagic-engine.ts';
import { packageFingerprint } from '../engine/package-files.ts';
import type { RunHooks } from '../engine/progress.ts';
import type { SampleSettings, TrainSettings } from '../engine/settings.ts';
import type { ProviderSetting } from '../engine/worker/provider-choice.ts';
import { fail } from '../errors.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import type { Logger } from '../log.ts';
import { defaultModelAsync, modelsDir } from '../models/model-store.ts';
import type { RenderedOutput, RunControl, RunResult } from './edit-engine.ts';
import { editCost } from '../engine/cost.ts';
import type { RunnerState } from './engine-status.ts';
import { estimateAsync, jobPlan } from '../engine/progress-estimate.ts';
import { readPackageBackwardRatioAsync, readPackageSampleSettingsAsync, readPackageSettingsAsync } from '../engine/package-settings.ts';
import { defaultSampling, etasMajor, sampleSettingsOf, trainSettingsOf } from './request-settings.ts';

export type ImagicRunnerOptions = {
  dataDir: string;
  logger: Logger;
  provider?: ProviderSetting;
  /** Told whenever the loaded model or provider changes, for `status`. */
  onState?: (state: RunnerState) => void;
};

type OpenEngine = { dir: string; workingSize: number; staticSize: boolean; engine: ImagicEngine };

const last = (values: readonly number[]) => values.at(-1) ?? null;
const toOutput = (img: RenderedImage): RenderedOutput => ({ eta: img.eta, seed: img.seed, width: img.width, height: img.height, rgba: img.rgba });

export class ImagicRunner {
  private open: OpenEngine | undefined;
  private readonly store: EditStore;

  constructor(private readonly options: ImagicRunnerOptions) {
    this.store = new EditStore(options.dataDir);
  }

  async startEditAsync(editId: string, request: EditRequest, image: RgbaImage, control: RunControl): Promise<RunResult> {
    const model = await defaultModelAsync(this.options.dataDir);
    if (model === null) return fail('NO_MODEL', `no model installed in ${modelsDir(this.options.dataDir)}`);
    const train = trainSettingsOf(request, await readPackageSettingsAsync(model.dir, request.preset));
    const sample = sampleSettingsOf(request.sampling, defaultSampling(request.preset, await readPackageSampleSettingsAsync(model.dir, request.preset)));
    const engine = await this.engineForAsync(model.dir, request.workingResolutionPx, control);
    const estimate = await estimateAsync(engine, this.options.dataDir, jobPlan(train, sample), hooksOf(control));
    const hooks = estimate.hooks;
    const { state } = await engine.trainAsync(image, request.prompt, train, hooks);
    await this.store.saveAsync(editId, manifestOf(editId, engine, request, train, sample, state), state);
    try {
      const images = await engine.renderAsync(state, sample, hooks);
      await estimate.recordAsync();
      const outputs = etasMajor(images.map(toOutput), request.sampling);
      await this.keepOutputsAsync(editId, outputs, sample);
      return { outputs, cost: editCost(train, sample, await readPackageBackwardRatioAsync(model.dir)) };
    } catch (err) {
      // A cancelled edit leaves nothing behind: the designer asked for it not to happen.
      if (control.signal.aborted) await this.store.deleteAsync(editId).catch(() => undefined);
      throw err;
    }
  }

  async renderAsync(editId: string, sampling: SamplingSettings, control: RunControl): Promise<RunResult> {
    const manifest = await this.store.readManifestAsync(editId);
    const current = await packageFingerprint(manifest.model.dir).catch(() => 'missing');
    if (current !== manifest.model.id) fail('EDIT_STALE', `edit ${editId} was trained with ${manifest.model.id} at ${manifest.model.dir}, which is now ${current}`);
    const { state } = await this.store.loadAsync(editId);
    const engine = await this.engineForAsync(manifest.model.dir, manifest.placement.canvas.width, control);
    const sample = sampleSettingsOf(sampling, manifest.sample);
    const estimate = await estimateAsync(engine, this.options.dataDir, jobPlan(null, sample), hooksOf(control));
    const images = await engine.renderAsync(state, sample, estimate.hooks);
    await estimate.recordAsync();
    const outputs = etasMajor(images.map(toOutput), sampling);
    await this.keepOutputsAsync(editId, outputs, sample);
    return { outputs, cost: editCost(null, sample, await readPackageBackwardRatioAsync(manifest.model.dir)) };
  }

  /**
   * The results as the edit's latest, for the dashboard, unless they are a quicker render than those kept (a preview
   * while the panel's slider moves, or the panel's first look); a failure to keep them (the edit deleted meanwhile)
   * fails nothing.
   */
  private async keepOutputsAsync(editId: string, outputs: readonly RenderedOutput[], sample: SampleSettings): Promise<void> {
    try {
      const kept = await this.store.latestResultsAsync(editId);
      if (kept !== null && sample.steps < kept.sampling.steps) return;
      await this.store.saveOutputsAsync(editId, outputs, sample);
    } catch (err) {
      this.options.logger.warn(`edit ${editId}: its results were not kept for the dashboard: ${err instanceof Error ? err.message : String(err)}`);
    }
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
  private async engineForAsync(dir: string, workingSize: number, control: RunControl): Promise<ImagicEngine> {
    const open = this.open;
    if (open && open.dir === dir && (open.staticSize || open.workingSize === workingSize)) return open.engine;
    await this.closeAsync();
    control.onProgress({ stage: 'encode', step: 0, total: 1 });
    this.report(dir);
    let engine: ImagicEngine;
    try {
      const t0 = performance.now();
      engine = await ImagicEngine.openAsync({ modelDir: dir, workingSize, ...(this.options.provider ? { provider: this.options.provider } : {}) });
      this.options.logger.info(`opened model ${path.basename(dir)} in ${Math.round(performance.now() - t0)} ms on ${engine.provider.provider} (${engine.provider.reason})`);
    } finally {
      this.report(null);
    }
    // A UNet with static sample dims ignores the working size; any request fits it.
    this.open = { dir, workingSize, staticSize: engine.pkg.imageSize.width !== workingSize, engine };
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
      control.onProgress({ stage: e.stage, step: e.step, total: e.total, ...(e.loss === undefined ? {} : { loss: e.loss }), ...(e.secondsLeft === undefined ? {} : { secondsLeft: e.secondsLeft }) });
    },
  };
}

// Copied from engine/edit-job.ts runEditAsync (the manifest of a saved edit); keep the two in step.
function manifestOf(editId: string, engine: ImagicEngine, request: EditRequest, train: TrainSettings, sample: SampleSettings, state: TrainedState): Omit<EditManifest, 'files' | 'adapters'> {
  const now = new Date().toISOString();
  return {
    version: EDIT_MANIFEST_VERSION,
    edit_id: editId,
    model: { id: engine.pkg.modelId, dir: engine.pkg.dir },
    prompt: request.prompt,
    preset: request.preset,
    train: { ...train, adapterTargets: [...train.adapterTargets] },
    sample: { ...sample, etas: [...sample.etas], seeds: [...sample.seeds] },
    input: { sha256: request.image.sha256, width: state.image.width, height: state.image.height },
    placement: state.placement,
    adapter_spec: { ...state.adapterSpec, targets: [...state.adapterSpec.targets] },
    embeddings_dims: [1, engine.pkg.sequenceLength, state.embeddings.target.length / engine.pkg.sequenceLength],
    losses: { embed: [...state.losses.embed], finetune: [...state.losses.finetune] },
    final_loss: { embed: last(state.losses.embed), finetune: last(state.losses.finetune) },
    created_at: now,
    used_at: now,
  };
}
