import { PROTOCOL_VERSION } from '../../../../shared/src/protocol/version.ts';
import { toJobSummary } from '../../jobs/job-record.ts';
import type { Handler } from './handler.ts';

/** Device and execution provider stay null until the engine creates a model session. */
export const handleStatus: Handler<'status'> = async (message, { services }) => {
  const { model, device, executionProvider } = await services.engine.status();
  const current = services.queue.current;
  return {
    v: PROTOCOL_VERSION,
    type: 'status.result',
    id: message.id,
    companionVersion: services.companionVersion,
    device,
    executionProvider,
    model,
    queue: services.queue.counts(),
    paused: services.queue.isPaused,
    currentJob: current ? toJobSummary(current.record, current.progress ? { progress: current.progress } : {}) : null,
    eventLoop: services.eventLoop.lag(),
    recentErrors: services.recentErrors.list(),
  };
};
