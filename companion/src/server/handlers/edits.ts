// Edit requests: start an edit (stages 1–3), re-render a saved one (stage 3), list and delete saved edits. Starting
// and re-rendering only queue a job; its events follow on the same socket.
import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION } from '../../../../shared/src/protocol/version.ts';
import type { EditSummary } from '../../../../shared/src/protocol/messages.ts';
import { fail } from '../../errors.ts';
import { requestedModelAsync } from '../../models/model-store.ts';
import { checkSubjectAsync } from '../../learn/subject-adapter.ts';
import { uploadFor, uploadPixelsAsync } from '../upload-image.ts';
import { requestRegionAsync } from '../request-region.ts';
import type { JobSpec } from '../../jobs/job-queue.ts';
import type { Handler } from './handler.ts';

const v = PROTOCOL_VERSION;
const newId = (): string => randomBytes(16).toString('hex');

export const handleEditStart: Handler<'edit.start'> = async ({ id, request }, { services, uploads, session }) => {
  const { image } = request;
  const upload = uploadFor(image, uploads, 'request.image');

  const region = await requestRegionAsync(request.region, uploads, image);
  // The model the request names, else the default, and the subject adapter it switches on: refused now
  // (MODEL_NOT_FOUND, NO_MODEL, INVALID_SPEC), not when the job starts.
  const model = await requestedModelAsync(services.dataDir, request.model);
  if (request.subject !== undefined) await checkSubjectAsync(services.dataDir, model.dir, request.subject);
  const { queued, capacity } = services.queue.counts();
  if (queued >= capacity) return fail('QUEUE_FULL', `${queued} jobs are waiting, the limit is ${capacity}`);

  const t0 = performance.now();
  const pixels = await uploadPixelsAsync(upload);
  const decodeMs = Math.round((performance.now() - t0) * 10) / 10;
  const { record, position } = await services.queue.submitAsync({
    jobId: newId(),
    editId: newId(),
    // The companion's own hash of the upload is the one the edit records.
    spec: {
      kind: 'edit',
      request: { ...request, image: { ...image, sha256: upload.sha256 } },
      image: pixels,
      ...(region ? { region } : {}),
    },
    client: session.client,
    requestId: id,
    prompt: request.prompt,
    resultFormat: request.outputFormat ?? (upload.format === 'rgba8' ? 'rgba8' : 'png'),
    timingMs: { decode: decodeMs },
  });
  services.hub.subscribe(record.jobId, session);
  return { v, type: 'job.queued', id, jobId: record.jobId, editId: record.editId, position };
};

/** An edit still being trained may be re-rendered too: the render queues behind its edit job. */
export const handleEditRender: Handler<'edit.render'> = async (
  { id, editId, sampling, outputFormat, region: asked },
  { services, session, uploads },
) => {
  const trainingJob = services.queue.active().find((job) => job.spec.kind === 'edit' && job.record.editId === editId);
  if (!trainingJob && !(await services.engine.hasEditAsync(editId)))
    return fail('EDIT_NOT_FOUND', `no saved edit ${editId}`);
  // A mask is checked against the edit's layer now, so a wrong one queues nothing.
  const layer = asked && (await editLayerSizeAsync(services, editId, trainingJob?.spec));
  const region = asked && layer ? await requestRegionAsync(asked, uploads, layer) : undefined;
  const { record, position } = await services.queue.submitAsync({
    jobId: newId(),
    editId,
    spec: { kind: 'render', sampling, ...(region ? { region } : {}) },
    client: session.client,
    requestId: id,
    prompt: null,
    resultFormat: outputFormat ?? services.journal.editRecord(editId)?.resultFormat ?? 'png',
  });
  services.hub.subscribe(record.jobId, session);
  return { v, type: 'job.queued', id, jobId: record.jobId, editId, position };
};

/** Saved edits, plus edits whose training job is queued or running (state training). */
export const handleEditsList: Handler<'edits.list'> = async ({ id }, { services }) => {
  const saved = await services.engine.listEditsAsync();
  const known = new Set(saved.map((e) => e.editId));
  const training: EditSummary[] = [];
  for (const job of services.queue.active()) {
    if (job.spec.kind !== 'edit' || known.has(job.record.editId)) continue;
    const { request, image } = job.spec;
    training.push({
      editId: job.record.editId,
      prompt: request.prompt,
      preset: request.preset,
      width: image.width,
      height: image.height,
      createdAt: job.record.createdAt,
      state: 'training',
    });
  }
  return { v, type: 'edits.list.result', id, edits: [...training, ...saved].slice(0, 1000) };
};

/** Cancels the edit's queued and running jobs first, so no job writes it back after the delete. */
export const handleEditDelete: Handler<'edit.delete'> = async ({ id, editId }, { services }) => {
  const cancelled = await services.queue.cancelEditJobsAsync(editId, `edit ${editId} was deleted`);
  if (await services.engine.hasEditAsync(editId)) await services.engine.deleteEditAsync(editId);
  else if (cancelled === 0) return fail('EDIT_NOT_FOUND', `no saved edit ${editId}`);
  return { v, type: 'ok', id };
};

/** The saved (or training) edit's layer size. */
async function editLayerSizeAsync(
  services: Parameters<Handler<'edit.render'>>[1]['services'],
  editId: string,
  training: JobSpec | undefined,
): Promise<{ width: number; height: number }> {
  if (training?.kind === 'edit') return training.image;
  const saved = (await services.engine.listEditsAsync()).find((e) => e.editId === editId);
  return saved ?? fail('EDIT_NOT_FOUND', `no saved edit ${editId}`);
}
