// Job requests: cancel, list (what a reconnecting client reads first), and fetch (re-attach to one job).
import { PROTOCOL_VERSION } from '../../../../shared/src/protocol/version.ts';
import { fail } from '../../errors.ts';
import { toJobSummary } from '../../jobs/job-record.ts';
import { resultFrames, resultMessage } from '../job-hub.ts';
import type { Handler } from './handler.ts';

const v = PROTOCOL_VERSION;
const MAX_LISTED = 1000;

export const handleJobCancel: Handler<'job.cancel'> = async ({ id, jobId }, { services }) => {
  if (!(await services.queue.cancelAsync(jobId))) return fail('JOB_NOT_FOUND', `no queued or running job ${jobId}`);
  return { v, type: 'ok', id };
};

export const handleJobsList: Handler<'jobs.list'> = async ({ id }, { services }) => {
  const jobs = services.journal
    .list()
    .slice(0, MAX_LISTED)
    .map((stored) => {
      const live = services.queue.find(stored.jobId);
      if (!live) return toJobSummary(stored);
      return toJobSummary(live.record, {
        position: live.position,
        ...(live.progress ? { progress: live.progress } : {}),
      });
    });
  return { v, type: 'jobs.list.result', id, jobs };
};

/** A finished job's outcome again (with this request's id), or, for an active one, `job.queued` and its events. */
export const handleJobFetch: Handler<'job.fetch'> = async ({ id, jobId }, { services, session }) => {
  const live = services.queue.find(jobId);
  if (live) {
    services.hub.subscribe(jobId, session);
    const position = live.record.state === 'queued' ? live.position : 0;
    return { v, type: 'job.queued', id, jobId, editId: live.record.editId, position };
  }
  const record = services.journal.get(jobId) ?? fail('JOB_NOT_FOUND', `the companion has no record of job ${jobId}`);
  if (record.state === 'failed' || (record.outputs.length === 0 && record.learned === undefined)) {
    const error = record.error ?? { code: 'JOB_INTERRUPTED' as const, message: `job ${jobId} ended without results` };
    return { v, type: 'job.error', id, jobId, code: error.code, message: error.message };
  }
  const payloads = await Promise.all(record.outputs.map((output) => services.journal.readResultAsync(record, output)));
  const mask = await services.journal.readMaskAsync(record);
  return { message: resultMessage(record, id), frames: resultFrames(record, payloads, mask) };
};
