import { PROTOCOL_VERSION } from '../../../../shared/src/protocol/version.ts';
import type { Handler } from './handler.ts';

/** Device and execution provider stay null until the engine creates a model session. */
export const handleStatus: Handler<'status'> = async (message, { services }) => ({
  v: PROTOCOL_VERSION,
  type: 'status.result',
  id: message.id,
  companionVersion: services.companionVersion,
  device: null,
  executionProvider: null,
  model: await services.modelStatusAsync(),
  queue: services.queue(),
});
