// Every JSON message, per direction, as zod schemas; the TypeScript types are inferred from them so each shape is
// written once. Messages carry `v` (PROTOCOL_VERSION) and a dotted `type`; requests carry the client's `id`, and
// replies to a request echo it. Job events name their job instead, since a job outlives the request that made it.
//
// Images never appear here: an upload is an `upload` binary frame sent just before the `edit.start` that names
// it (ImageRef.frameId). Results: `job.result` lists the outputs, then one `result` frame per output follows,
// in index order, with the jobId as frame id.
import * as z from 'zod';
import { EventLoopLag, ModelId, ModelSummary, RecentError } from './companion-info.ts';
import { EditRequest, OutputFormat, Preset, Region, SamplingSettings, Strength } from './edit-request.ts';
import { ClientKind, count, ErrorCodeField, text, v } from './fields.ts';
import { HexId, RequestId } from './ids.ts';
import { JobCost, JobProgress, JobStage, JobSummary, MaskInfo, OutputInfo } from './job-info.ts';
import { LearnedInfo, LearnRequest } from './learn-request.ts';
import { MAX_IMAGE_SIDE_PX, MAX_OUTPUTS_PER_JOB, MIN_IMAGE_SIDE_PX } from './defaults.ts';

export { ClientKind, ErrorCodeField, JobStage, OutputInfo };

// --- client → companion ---------------------------------------------------------------------------------------

/** What `imagic pair` prints: 32 random bytes in base64url, so 43 characters; the range leaves room to change. */
export const PairingToken = z
  .string()
  .min(16)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be a pairing code from `imagic pair`');

export const HelloMessage = z.strictObject({
  v,
  type: z.literal('hello'),
  id: RequestId,
  client: ClientKind,
  clientVersion: text(64),
  token: PairingToken,
});

export const EditStartMessage = z.strictObject({
  v,
  type: z.literal('edit.start'),
  id: RequestId,
  request: EditRequest,
});

/** Re-render a trained edit with new sampling settings; never retrains. */
export const EditRenderMessage = z.strictObject({
  v,
  type: z.literal('edit.render'),
  id: RequestId,
  editId: HexId,
  sampling: SamplingSettings,
  /** How the results come back. Absent: as the edit's own results came back (PNG when the companion no longer knows). */
  outputFormat: OutputFormat.optional(),
  /** Where the re-render may change the layer (EditRequest.region; a mask frame of the edit's layer size). */
  region: Region.optional(),
});

/** Teach the model a new word from the layers uploaded before it (LearnRequest); queues a `learn` job. */
export const LearnStartMessage = z.strictObject({
  v,
  type: z.literal('learn.start'),
  id: RequestId,
  request: LearnRequest,
});

export const JobCancelMessage = z.strictObject({ v, type: z.literal('job.cancel'), id: RequestId, jobId: HexId });
export const EditsListMessage = z.strictObject({ v, type: z.literal('edits.list'), id: RequestId });
export const EditDeleteMessage = z.strictObject({ v, type: z.literal('edit.delete'), id: RequestId, editId: HexId });
export const StatusMessage = z.strictObject({ v, type: z.literal('status'), id: RequestId });

/** Every job the companion remembers (queued, running and the recent finished ones), newest first. */
export const JobsListMessage = z.strictObject({ v, type: z.literal('jobs.list'), id: RequestId });
/**
 * Re-attaches to a job, e.g. after a reconnect: a finished job's `job.result` (and its result frames) or
 * `job.error` is sent again, carrying this request's id; a queued or running one answers `job.queued` and this
 * socket then gets its events too.
 */
export const JobFetchMessage = z.strictObject({ v, type: z.literal('job.fetch'), id: RequestId, jobId: HexId });
/** Holds queued jobs (the running one finishes) until `queue.resume`; both answer `ok`. */
export const QueuePauseMessage = z.strictObject({ v, type: z.literal('queue.pause'), id: RequestId });
export const QueueResumeMessage = z.strictObject({ v, type: z.literal('queue.resume'), id: RequestId });
export const ModelsListMessage = z.strictObject({ v, type: z.literal('models.list'), id: RequestId });
/** Makes an installed model the one new edits use; persisted in the companion's config. Answers `ok`. */
export const ModelsDefaultMessage = z.strictObject({
  v,
  type: z.literal('models.default'),
  id: RequestId,
  modelId: ModelId,
});

/** One schema per client message type; parse.ts dispatches on this table, the companion's handlers mirror it. */
export const clientMessageSchemas = {
  hello: HelloMessage,
  'edit.start': EditStartMessage,
  'edit.render': EditRenderMessage,
  'learn.start': LearnStartMessage,
  'job.cancel': JobCancelMessage,
  'edits.list': EditsListMessage,
  'edit.delete': EditDeleteMessage,
  status: StatusMessage,
  'jobs.list': JobsListMessage,
  'job.fetch': JobFetchMessage,
  'queue.pause': QueuePauseMessage,
  'queue.resume': QueueResumeMessage,
  'models.list': ModelsListMessage,
  'models.default': ModelsDefaultMessage,
} as const;

export const ClientMessage = z.discriminatedUnion(
  'type',
  Object.values(clientMessageSchemas) as [
    (typeof clientMessageSchemas)[keyof typeof clientMessageSchemas],
    ...(typeof clientMessageSchemas)[keyof typeof clientMessageSchemas][],
  ],
);
export type ClientMessage = z.infer<typeof ClientMessage>;
export type ClientMessageType = ClientMessage['type'];

// --- companion → client ---------------------------------------------------------------------------------------

export const HelloOkMessage = z.strictObject({
  v,
  type: z.literal('hello.ok'),
  id: RequestId,
  companionVersion: text(64),
});

/** Answers `edit.start` and `edit.render`. position = number of jobs ahead of this one (0: it runs next). */
export const JobQueuedMessage = z.strictObject({
  v,
  type: z.literal('job.queued'),
  id: RequestId,
  jobId: HexId,
  editId: HexId,
  position: count,
});

export const JobProgressMessage = z
  .strictObject({ v, type: z.literal('job.progress'), jobId: HexId, ...JobProgress.shape })
  .refine((m) => m.step <= m.total, { message: 'step must not exceed total', path: ['step'] });

export const JobResultMessage = z
  .strictObject({
    v,
    type: z.literal('job.result'),
    /** Present when it answers `job.fetch`. */
    id: RequestId.optional(),
    jobId: HexId,
    /** The edit an edit or render job made or used; a learn job's own id (it saves no edit). */
    editId: HexId,
    /** At least one for an edit or render; none for a learn job. */
    outputs: z.array(OutputInfo).max(MAX_OUTPUTS_PER_JOB),
    /** The job's UNet work per stage in forward-pass equivalents, the same on every machine (the CLI's `cost`). */
    cost: JobCost.optional(),
    /** The automatic mask the job found and used; its `mask` frame follows the output frames. */
    mask: MaskInfo.optional(),
    /** What a learn job taught the model. */
    learned: LearnedInfo.optional(),
  })
  .refine((m) => m.outputs.length > 0 || m.learned !== undefined, {
    message: 'a result has outputs, or is a learn job’s `learned`',
    path: ['outputs'],
  });

/** A job ended without results; code CANCELLED after `job.cancel`, SUPERSEDED when a newer re-render replaced it. */
export const JobErrorMessage = z.strictObject({
  v,
  type: z.literal('job.error'),
  /** Present when it answers `job.fetch`. */
  id: RequestId.optional(),
  jobId: HexId,
  code: ErrorCodeField,
  message: text(2000),
});

export const EditSummary = z.strictObject({
  editId: HexId,
  prompt: text(1000),
  preset: Preset,
  width: z.int().min(MIN_IMAGE_SIDE_PX).max(MAX_IMAGE_SIDE_PX),
  height: z.int().min(MIN_IMAGE_SIDE_PX).max(MAX_IMAGE_SIDE_PX),
  createdAt: z.iso.datetime(),
  /** training: stages 1–2 still run; ready: `edit.render` is instant-ish; failed: start a new edit. */
  state: z.enum(['training', 'ready', 'failed']),
});
export type EditSummary = z.infer<typeof EditSummary>;

export const EditsListResultMessage = z.strictObject({
  v,
  type: z.literal('edits.list.result'),
  id: RequestId,
  edits: z.array(EditSummary).max(1000),
});

/** Acknowledges a request that has no other result (`job.cancel`, `edit.delete`). */
export const OkMessage = z.strictObject({ v, type: z.literal('ok'), id: RequestId });

export const ExecutionProvider = z.enum(['cpu', 'cuda', 'tensorrt', 'dml', 'coreml', 'webgpu']);
export type ExecutionProvider = z.infer<typeof ExecutionProvider>;

/** What to type, for a model that says (its imagic_settings.json `prompts`): the panel's placeholder and word check. */
export const ModelPrompts = z.strictObject({
  /** Prompts the model understands; the first is the panel's placeholder. */
  examples: z.array(text(200)).min(1).max(20),
  /** Every word the model knows, for a model trained on a small grammar (the demo model); absent: any word. */
  vocabulary: z.array(text(40)).min(1).max(10_000).optional(),
  /** The words learned for the model (`imagic learned`), e.g. "<my-logo>": usable in any prompt. */
  learned: z.array(text(64)).max(1000).optional(),
});
export type ModelPrompts = z.infer<typeof ModelPrompts>;

const InstalledModel = {
  name: text(200),
  /** The η the model recommends for its edits (its imagic_settings.json); the panel starts its slider there. */
  recommendedEta: z.number().min(-0.5).max(2).optional(),
  /** The strength the model recommends for quick edits; the panel starts its slider there in quick mode. */
  recommendedStrength: Strength.optional(),
  prompts: ModelPrompts.optional(),
  /** The words learned for the model (any model: prompts.learned lists them only for a model that states prompts). */
  learned: z
    .strictObject({
      words: z.array(text(64)).max(1000),
      /** The words that have a subject adapter (EditRequest.subject). */
      adapters: z.array(text(64)).max(1000),
    })
    .optional(),
};

export const ModelStatus = z.discriminatedUnion('state', [
  /** Nothing installed: `hint` says how to get a model (the NO_MODEL hint). */
  z.strictObject({ state: z.literal('none'), code: z.literal('NO_MODEL'), hint: text(1000) }),
  /** On disk but not loaded yet. */
  z.strictObject({ state: z.literal('installed'), ...InstalledModel }),
  z.strictObject({ state: z.literal('loading'), ...InstalledModel }),
  z.strictObject({ state: z.literal('ready'), ...InstalledModel }),
]);
export type ModelStatus = z.infer<typeof ModelStatus>;

export const StatusResultMessage = z.strictObject({
  v,
  type: z.literal('status.result'),
  id: RequestId,
  companionVersion: text(64),
  /** Human-readable compute device ("NVIDIA GeForce RTX 4090"); null until a model session exists. */
  device: text(200).nullable(),
  executionProvider: ExecutionProvider.nullable(),
  model: ModelStatus,
  queue: z.strictObject({ running: count, queued: count, capacity: count }),
  /** True while `queue.pause` holds queued jobs. */
  paused: z.boolean().optional(),
  /** The running job, with its latest progress. */
  currentJob: JobSummary.nullable().optional(),
  eventLoop: EventLoopLag.optional(),
  /** The last errors the companion reported to any client or logged, newest first. */
  recentErrors: z.array(RecentError).max(50).optional(),
});

export const JobsListResultMessage = z.strictObject({
  v,
  type: z.literal('jobs.list.result'),
  id: RequestId,
  jobs: z.array(JobSummary).max(1000),
});

export const ModelsListResultMessage = z.strictObject({
  v,
  type: z.literal('models.list.result'),
  id: RequestId,
  models: z.array(ModelSummary).max(1000),
  /** The folder models live in, for "open models folder". */
  modelsDir: text(4096),
});

/** A request, frame or connection failed. id is present when the failure belongs to a readable request. */
export const ErrorMessage = z.strictObject({
  v,
  type: z.literal('error'),
  id: RequestId.optional(),
  code: ErrorCodeField,
  message: text(2000),
});

export const serverMessageSchemas = {
  'hello.ok': HelloOkMessage,
  'job.queued': JobQueuedMessage,
  'job.progress': JobProgressMessage,
  'job.result': JobResultMessage,
  'job.error': JobErrorMessage,
  'edits.list.result': EditsListResultMessage,
  ok: OkMessage,
  'status.result': StatusResultMessage,
  'jobs.list.result': JobsListResultMessage,
  'models.list.result': ModelsListResultMessage,
  error: ErrorMessage,
} as const;

export const ServerMessage = z.discriminatedUnion(
  'type',
  Object.values(serverMessageSchemas) as [
    (typeof serverMessageSchemas)[keyof typeof serverMessageSchemas],
    ...(typeof serverMessageSchemas)[keyof typeof serverMessageSchemas][],
  ],
);
export type ServerMessage = z.infer<typeof ServerMessage>;
export type ServerMessageType = ServerMessage['type'];

/** The message of one type, e.g. `MessageOf<ClientMessage, 'status'>`. */
export type MessageOf<M extends { type: string }, T extends M['type']> = Extract<M, { type: T }>;
