// The handler table: one row per request type. Adding a message type to shared/ without a row here is a compile error.
import { handleEditDelete, handleEditRender, handleEditsList, handleEditStart } from './edits.ts';
import type { HandlerTable } from './handler.ts';
import { handleJobCancel, handleJobFetch, handleJobsList } from './jobs.ts';
import { handleLearnStart } from './learn.ts';
import { handleModelsDefault, handleModelsList } from './models.ts';
import { handleQueuePause, handleQueueResume } from './queue.ts';
import { handleStatus } from './status.ts';

export const handlers: HandlerTable = {
  'edit.start': handleEditStart,
  'edit.render': handleEditRender,
  'learn.start': handleLearnStart,
  'job.cancel': handleJobCancel,
  'edits.list': handleEditsList,
  'edit.delete': handleEditDelete,
  status: handleStatus,
  'jobs.list': handleJobsList,
  'job.fetch': handleJobFetch,
  'queue.pause': handleQueuePause,
  'queue.resume': handleQueueResume,
  'models.list': handleModelsList,
  'models.default': handleModelsDefault,
};
