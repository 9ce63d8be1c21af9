// The seam between the job queue and the Imagic engine: what a job needs from an engine, in the protocol's terms.
// The real implementation (threaded-edit-engine.ts, over imagic-runner.ts) wraps companion/src/engine; queue unit tests script a fake one.
// Integration tests always run the real one on a tiny model package.
import type { SavedResults } from '../engine/edit-store.ts';
import type { EditRequest, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import type { JobCost, JobStage } from '../../../shared/src/protocol/job-info.ts';
import type { EditSummary, ExecutionProvider, ModelStatus } from '../../../shared/src/protocol/messages.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import type { LearnedInfo, LearnRequest } from '../../../shared/src/protocol/learn-request.ts';
import type { RegionRequest } from '../engine/edit-run.ts';
import type { EditMask } from '../engine/edit-region.ts';

export type EngineProgress = {
  stage: JobStage;
  step: number;
  total: number;
  loss?: number;
  /** The whole job's time left, once the engine has an estimate. */
  secondsLeft?: number;
};

export type RunControl = {
  /** Aborting makes the engine stop before its next step and throw ImagicError CANCELLED. */
  signal: AbortSignal;
  onProgress(progress: EngineProgress): void;
};

/** One output: straight RGBA at the input's size, with the input's alpha. */
export type RenderedOutput = {
  eta: number;
  seed: number;
  width: number;
  height: number;
  rgba: Uint8Array;
};

/** What a run returns: its outputs (etas-major), the UNet work it did, and the automatic mask it found, if it did. */
export type RunResult = { outputs: RenderedOutput[]; cost?: JobCost; mask?: EditMask; learned?: LearnedInfo };

export type EngineStatus = {
  model: ModelStatus;
  /** Human-readable compute device; null until a model session exists. */
  device: string | null;
  executionProvider: ExecutionProvider | null;
};

/** An edit's input image, or the `result`-th image of its latest render. */
export type EditImage = 'input' | { readonly result: number };

/** An edit's latest results and what they were rendered with (before any: none, and the edit's first sampling). */
export type EditResults = SavedResults;

export interface EditEngine {
  status(): Promise<EngineStatus>;
  /**
   * Stages 1–3 (or a quick edit): trains, saves the edit under `editId`, renders `request.sampling`, only inside
   * `region` when given; outputs etas-major.
   */
  startEditAsync(
    editId: string,
    request: EditRequest,
    image: RgbaImage,
    control: RunControl,
    region?: RegionRequest,
  ): Promise<RunResult>;
  /** Stage 3 of a saved edit; EDIT_NOT_FOUND or EDIT_STALE when it cannot. Outputs etas-major. */
  renderAsync(
    editId: string,
    sampling: SamplingSettings,
    control: RunControl,
    region?: RegionRequest,
  ): Promise<RunResult>;
  /** A learn job: a new word from `images` (no outputs; `learned` says what it taught the model). */
  learnAsync(request: LearnRequest, images: readonly RgbaImage[], control: RunControl): Promise<RunResult>;
  listEditsAsync(): Promise<EditSummary[]>;
  hasEditAsync(editId: string): Promise<boolean>;
  deleteEditAsync(editId: string): Promise<void>;
  /** The edit's input image, or one of its latest results, as a PNG at most `maxSidePx` on its longer side. */
  editThumbnailAsync(editId: string, maxSidePx: number, which?: EditImage): Promise<Uint8Array>;
  /** The edit's latest results and the sampling they were rendered with. */
  editResultsAsync(editId: string): Promise<EditResults>;
  closeAsync(): Promise<void>;
}
