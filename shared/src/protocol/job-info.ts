// What the companion says about a job outside its live events: its outputs, its progress, and the summary that
// `jobs.list` returns, so a client that reconnects can find out what happened while it was away.
import * as z from 'zod';
import { MAX_IMAGE_SIDE_PX, MAX_OUTPUTS_PER_JOB, MIN_IMAGE_SIDE_PX } from './defaults.ts';
import { ClientKind, count, ErrorCodeField, text } from './fields.ts';
import { HexId } from './ids.ts';
import { ImageFormat } from './image-format.ts';
import { LearnedInfo } from './learn-request.ts';

export const JobStage = z.enum(['encode', 'embed', 'finetune', 'sample', 'learn']);
export type JobStage = z.infer<typeof JobStage>;

export const OutputInfo = z.strictObject({
  /** The output's index in the `result` frame header; outputs are ordered etas-major (eta 0 × every seed, …). */
  index: z
    .int()
    .min(0)
    .max(MAX_OUTPUTS_PER_JOB - 1),
  eta: z.number(),
  seed: z.uint32(),
  width: z.int().min(MIN_IMAGE_SIDE_PX).max(MAX_IMAGE_SIDE_PX),
  height: z.int().min(MIN_IMAGE_SIDE_PX).max(MAX_IMAGE_SIDE_PX),
  format: ImageFormat,
  byteLength: z.int().min(1),
});
export type OutputInfo = z.infer<typeof OutputInfo>;

/** The fields of a `job.progress` event, also carried by a running job's summary. */
export const JobProgress = z
  .strictObject({
    stage: JobStage,
    step: count,
    total: z.int().min(1).max(1_000_000),
    /** The training loss of stages embed and finetune; absent while encoding and sampling. */
    loss: z.number().min(0).optional(),
    /** Estimated from the step times seen so far, for the whole job; absent until there are enough steps. */
    secondsLeft: z.number().min(0).optional(),
  })
  .refine((m) => m.step <= m.total, { message: 'step must not exceed total', path: ['step'] });
export type JobProgress = z.infer<typeof JobProgress>;

/**
 * edit: stages 1–3 for an uploaded image (`edit.start`); render: stage 3 of a saved edit (`edit.render`); learn: a new
 * word from several layers (`learn.start`).
 */
export const JobKind = z.enum(['edit', 'render', 'learn']);
export type JobKind = z.infer<typeof JobKind>;

/** queued → running → done | failed; a queued job may also go straight to failed (cancelled, superseded). */
export const JobState = z.enum(['queued', 'running', 'done', 'failed']);
export type JobState = z.infer<typeof JobState>;

export const JobSummary = z.strictObject({
  jobId: HexId,
  editId: HexId,
  kind: JobKind,
  state: JobState,
  /** Jobs ahead of it in the queue while queued; null otherwise. */
  position: count.nullable(),
  client: ClientKind,
  /** The edit's target text; null for a re-render. */
  prompt: text(1000).nullable(),
  createdAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
  /** The latest progress of a running job. */
  progress: JobProgress.optional(),
  /** Set when state is failed. */
  error: z.strictObject({ code: ErrorCodeField, message: text(2000) }).optional(),
  /** Set when state is done; `job.fetch` sends the images again. */
  outputs: z.array(OutputInfo).max(MAX_OUTPUTS_PER_JOB).optional(),
  /** Set when a learn job is done: the word it taught the model. */
  learned: LearnedInfo.optional(),
});
export type JobSummary = z.infer<typeof JobSummary>;

/**
 * UNet work in forward-pass equivalents: a training step counts 1 + backwardRatio forwards, a guided sampling step 2
 * (companion/src/engine/cost.ts).
 */
export const JobCost = z.strictObject({
  embed: z.number().min(0),
  finetune: z.number().min(0),
  sample: z.number().min(0),
  /** An automatic mask's forward passes (DiffEdit); absent without one. */
  mask: z.number().min(0).optional(),
  /** A learn job's training (one forward+backward pass per step); absent for edits. */
  learn: z.number().min(0).optional(),
  total: z.number().min(0),
  backward_ratio: z.number().min(0),
});
export type JobCost = z.infer<typeof JobCost>;

/**
 * The automatic mask a job used (EditRequest.region kind auto): a PNG at the layer's size, white where the edit could
 * change it, sent as a `mask` frame (the job's id, index 0) after the output frames.
 */
export const MaskInfo = z.strictObject({
  width: z.int().positive(),
  height: z.int().positive(),
  format: z.literal('png'),
  byteLength: z.int().positive(),
});
export type MaskInfo = z.infer<typeof MaskInfo>;
