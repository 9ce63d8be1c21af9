// Pausing holds queued jobs (the running one finishes); the tray's "pause queue" and the dashboard use these.
import { PROTOCOL_VERSION } from '../../../../shared/src/protocol/version.ts';
import type { Handler } from './handler.ts';

export const handleQueuePause: Handler<'queue.pause'> = async ({ id }, { services }) => {
  services.queue.pause();
  return { v: PROTOCOL_VERSION, type: 'ok', id };
};

export const handleQueueResume: Handler<'queue.resume'> = async ({ id }, { services }) => {
  services.queue.resume();
  return { v: PROTOCOL_VERSION, type: 'ok', id };
};
