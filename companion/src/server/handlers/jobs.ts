import { fail } from '../../errors.ts';
import type { Handler } from './handler.ts';

/** Nothing is ever queued before the engine exists, so every job id is unknown. */
export const handleJobCancel: Handler<'job.cancel'> = async ({ jobId }) => fail('JOB_NOT_FOUND', `no queued or running job ${jobId}`);
