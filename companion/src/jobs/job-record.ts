// One job as the journal stores it (<data-dir>/jobs/<job-id>.json) and as the queue tracks it. Read back with a
// schema, so a damaged file is skipped with a warning instead of crashing the companion at start.
import * as z from 'zod';
import { ErrorCodeField, ClientKind } from '../../../shared/src/protocol/fields.ts';
import { HexId, RequestId } from '../../../shared/src/protocol/ids.ts';
import {
  JobCost,
  JobKind,
  JobState,
  MaskInfo,
  OutputInfo,
  type JobProgress,
  type JobSummary,
} from '../../../shared/src/protocol/job-info.ts';
import { LearnedInfo } from '../../../shared/src/protocol/learn-request.ts';

export const JOB_RECORD_VERSION = 1;

/** How results are stored and sent: raw RGBA8 when the client uploaded raw RGBA8 (no encode, no decode), else PNG. */
export const ResultFormat = z.enum(['png', 'rgba8']);
export type ResultFormat = z.infer<typeof ResultFormat>;

export const JobRecord = z.strictObject({
  version: z.literal(JOB_RECORD_VERSION),
  jobId: HexId,
  editId: HexId,
  kind: JobKind,
  state: JobState,
  client: ClientKind,
  /** The id of the request that created the job; `job.queued` position updates echo it. */
  requestId: RequestId,
  prompt: z.string().max(1000).nullable(),
  resultFormat: ResultFormat,
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  outputs: z.array(OutputInfo),
  error: z.strictObject({ code: ErrorCodeField, message: z.string().max(2000) }).nullable(),
  /** Where the time went (queued, decode, engine, encode, write), for diagnostics and the daemon benchmark. */
  timingMs: z.record(z.string(), z.number()),
  /** The UNet work the finished job did (absent in records written before it was counted). */
  cost: JobCost.optional(),
  /** The automatic mask it used, stored beside its results (job-journal.ts maskFile). */
  mask: MaskInfo.optional(),
  /** What a finished learn job taught the model. */
  learned: LearnedInfo.optional(),
});
export type JobRecord = z.infer<typeof JobRecord>;

export const isFinished = (record: JobRecord): boolean => record.state === 'done' || record.state === 'failed';

export function toJobSummary(record: JobRecord, live: { position?: number; progress?: JobProgress } = {}): JobSummary {
  return {
    jobId: record.jobId,
    editId: record.editId,
    kind: record.kind,
    state: record.state,
    position: record.state === 'queued' ? (live.position ?? 0) : null,
    client: record.client,
    prompt: record.prompt,
    createdAt: record.createdAt,
    finishedAt: record.finishedAt,
    ...(record.state === 'running' && live.progress ? { progress: live.progress } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.state === 'done' ? { outputs: record.outputs } : {}),
    ...(record.state === 'done' && record.learned ? { learned: record.learned } : {}),
  };
}
