// The three UNet graphs the stages run, each built from the package's normalised UNet and opened in the session
// pool: stage 1's training step (gradient with respect to encoder_hidden_states and an Adam update, adam.ts), stage
// 2's training step over the adapter inputs (LoRA/LoCon, mode 'inputs'), and stage 3's forward graph with the trained adapters merged into
// the weights (mode 'merged', folded by onnxruntime when the session is created), or kept as a branch whose strength
// is an input (mode 'scaled', for sampling that fades them: late-adapters.ts).
import { createHash } from 'node:crypto';
import { injectAdapters, type AdapterInfo } from '../autodiff/adapters.ts';
import { buildGradientModel } from '../autodiff/gradient-model.ts';
import { carriedInputs, trainingStepModel, type TrainingStep } from './adam.ts';
import { denoisingStepModel, needsPair, SAMPLING_CARRIED, type Predictions } from './denoising-step.ts';
import type { Model } from '../graph/ir.ts';
import { serializeModel } from '../onnx/model-file.ts';
import type { ImagicPackage } from './package-loader.ts';
import type { SessionKind, SessionPool } from './session-pool.ts';
import { trainsLean } from '../runtime/ort-session.ts';
import { fail } from '../errors.ts';
import type { SessionSource } from '../runtime/worker/rpc.ts';
import type { RemoteSession } from '../runtime/worker/session-host.ts';

export const UNET_OUTPUT = 'out_sample';
export const EMBEDDING_INPUT = 'encoder_hidden_states';
/** Merged UNet sessions kept open for re-renders (SD's fp32 UNet is 3.4 GB per session). */
const MERGED_SESSIONS_KEPT = 1;

export interface AdapterSpec {
  /** Node-name patterns (adapter-targets.ts). */
  readonly targets: readonly string[];
  readonly rank: number;
  readonly alpha: number;
}

/** A graph's session and its pool key, so that a stage can release it when done. */
export interface PooledSession {
  readonly key: string;
  readonly session: RemoteSession;
}

/**
 * A model as a session source. The graph is built on the first call only; the bytes are serialised anew for
 * every call, because they are moved to the worker (and a provider retry needs them again).
 */
function lazySource(build: () => Model): () => SessionSource {
  let model: Model | undefined;
  return () => {
    model ??= build();
    return { kind: 'bytes', bytes: serializeModel(model), baseDir: model.baseDir };
  };
}

/** The pool key of `pkg`'s UNet: the package's, or a view's with a subject folded in (LoadedUNet.key). */
const unetKey = (pkg: ImagicPackage) => `${pkg.modelId}/unet${pkg.unet.key ?? ''}`;

const specKey = (spec: AdapterSpec) => `${spec.rank}:${spec.alpha}:${spec.targets.join('|')}`;

/** Stage 1's graph: loss and its gradient with respect to the text embedding (the UNet frozen). */
export const embeddingGradientModel = (unet: Model): Model =>
  buildGradientModel(unet, { loss: { type: 'mse', output: UNET_OUTPUT }, wrt: [EMBEDDING_INPUT] }).model;

/** Stage 2's graph: loss and its gradients with respect to every adapter's down and up matrices. */
export function adapterGradientModel(layout: { model: Model; adapters: readonly AdapterInfo[] }): Model {
  const wrt = layout.adapters.flatMap((a) => [a.down.name, a.up.name]);
  return buildGradientModel(layout.model, { loss: { type: 'mse', output: UNET_OUTPUT }, wrt }).model;
}

/** Stage 3's UNet: trained adapters merged into the weights, or kept as branches of a strength input ('scaled'). */
export const samplingModel = (
  unet: Model,
  spec: AdapterSpec,
  values: ReadonlyMap<string, Float32Array>,
  mode: 'merged' | 'scaled',
): Model => injectAdapters(unet, { targets: spec.targets, rank: spec.rank, alpha: spec.alpha, mode, values }).model;

const adapterParams = (adapters: readonly AdapterInfo[]): string[] => adapters.flatMap((a) => [a.down.name, a.up.name]);

/** Stage 1's step: the embedding gradient and an Adam update of the embedding. */
export const embeddingTrainingStep = (unet: Model): TrainingStep =>
  trainingStepModel(embeddingGradientModel(unet), [EMBEDDING_INPUT]);

/** Stage 2's step: the adapter gradients and an Adam update of every adapter matrix; the embedding is fixed. */
export const adapterTrainingStep = (layout: { model: Model; adapters: readonly AdapterInfo[] }): TrainingStep =>
  trainingStepModel(adapterGradientModel(layout), adapterParams(layout.adapters), [EMBEDDING_INPUT]);

/** A training step's session and what its loop carries from one run to the next. */
export interface TrainingSession extends PooledSession {
  readonly carried: ReadonlyMap<string, string>;
}

/**
 * Opens a training step (built only when the pool has no session for `key`), lean when the model is large, with its
 * loop-carried outputs left on the device.
 */
async function trainingSessionAsync(
  pkg: ImagicPackage,
  pool: SessionPool,
  key: string,
  carried: ReadonlyMap<string, string>,
  build: () => Model,
): Promise<TrainingSession> {
  const kind: SessionKind = trainsLean(pkg.unet.model.graph) ? 'memory' : 'speed';
  const session = await pool.getAsync(key, lazySource(build), undefined, { kind, deviceOutputs: [...carried.keys()] });
  return { key, session, carried };
}

export function embeddingTrainingSessionAsync(pkg: ImagicPackage, pool: SessionPool): Promise<TrainingSession> {
  return trainingSessionAsync(
    pkg,
    pool,
    `${unetKey(pkg)}#step-embedding`,
    carriedInputs([EMBEDDING_INPUT]),
    () => embeddingTrainingStep(pkg.unet.model).model,
  );
}

/** The adapters `spec` puts on the UNet (names, shapes, scales), without building any graph for them. */
export function adapterLayout(
  pkg: ImagicPackage,
  spec: AdapterSpec,
): { model: Model; adapters: readonly AdapterInfo[] } {
  return injectAdapters(pkg.unet.model, { targets: spec.targets, rank: spec.rank, alpha: spec.alpha, mode: 'inputs' });
}

export function adapterTrainingSessionAsync(
  pkg: ImagicPackage,
  pool: SessionPool,
  spec: AdapterSpec,
  layout = adapterLayout(pkg, spec),
): Promise<TrainingSession> {
  const carried = carriedInputs(adapterParams(layout.adapters), [EMBEDDING_INPUT]);
  return trainingSessionAsync(
    pkg,
    pool,
    `${unetKey(pkg)}#step-adapters:${specKey(spec)}`,
    carried,
    () => adapterTrainingStep(layout).model,
  );
}

/** A digest of adapter values, so one merged session serves every render of the same trained state. */
export function adapterDigest(values: ReadonlyMap<string, Float32Array>): string {
  const hash = createHash('sha256');
  for (const [name, v] of [...values].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(name);
    hash.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return hash.digest('hex').slice(0, 16);
}

/** A sampling step's session (denoising-step.ts) and what its loop carries from one run to the next. */
export interface SamplingSession extends PooledSession {
  readonly predictions: Predictions;
  readonly carried: ReadonlyMap<string, string>;
}

/** How a guidance scale's predictions run on this package: the pair as one batch-2 UNet where the export allows. */
export function predictionsFor(pkg: ImagicPackage, guidanceScale: number): Predictions {
  if (!needsPair(guidanceScale)) return 'single';
  return pkg.unet.guided() ? 'pair' : 'twice';
}

/**
 * Stage 3's step for a trained edit (denoising-step.ts): the UNet with the adapters merged into the weights, or kept
 * as branches whose strength is fed per step ('scaled', late-adapters.ts), with guidance and the sampler's update;
 * without adapters, the package's own UNet. Each edit has its own weights: only the most recent few sessions stay
 * open (a daemon renders many edits).
 */
export async function samplingSessionAsync(
  pkg: ImagicPackage,
  pool: SessionPool,
  adapters:
    | {
        readonly spec: AdapterSpec;
        readonly values: ReadonlyMap<string, Float32Array>;
        readonly mode: 'merged' | 'scaled';
      }
    | undefined,
  predictions: Predictions,
): Promise<SamplingSession> {
  const unet =
    predictions === 'pair'
      ? (pkg.unet.guided() ?? fail('INTERNAL', 'this UNet cannot run at batch 2'))
      : pkg.unet.model;
  const weights = adapters ? `${adapters.mode}:${specKey(adapters.spec)}:${adapterDigest(adapters.values)}` : 'plain';
  const key = `${unetKey(pkg)}#step:${predictions}:${weights}`;
  const source = lazySource(
    () =>
      denoisingStepModel(
        adapters ? samplingModel(unet, adapters.spec, adapters.values, adapters.mode) : unet,
        predictions,
      ).model,
  );
  // One group for every mode: an edit's sampling session replaces the last one whichever mode either has.
  const session = await pool.getAsync(
    key,
    source,
    { group: 'merged-unet', keep: MERGED_SESSIONS_KEPT },
    { deviceOutputs: [...SAMPLING_CARRIED.keys()] },
  );
  return { key, session, predictions, carried: SAMPLING_CARRIED };
}
