// `learn.start`: teach the model a new word from layers uploaded before the request (Textual Inversion). Every check
// that needs no model run happens here, before anything is queued: the uploads, the model, the queue's room, the
// token, the initializer word and the layers' sizes (learn/learn-run.ts). The job then runs like an edit's, and ends
// in `job.result` with no images and `learned`.
import { randomBytes } from 'node:crypto';
import { PROTOCOL_VERSION } from '../../../../shared/src/protocol/version.ts';
import { fail } from '../../errors.ts';
import { checkLearnJobAsync, learnJobOf } from '../../learn/learn-run.ts';
import { requestedModelAsync } from '../../models/model-store.ts';
import { uploadFor, uploadPixelsAsync } from '../upload-image.ts';
import type { Handler } from './handler.ts';

const v = PROTOCOL_VERSION;
const newId = (): string => randomBytes(16).toString('hex');

export const handleLearnStart: Handler<'learn.start'> = async ({ id, request }, { services, uploads, session }) => {
  const found = request.images.map((image, i) => uploadFor(image, uploads, `request.images[${i}]`));
  const model = await requestedModelAsync(services.dataDir, request.model);
  const { queued, capacity } = services.queue.counts();
  if (queued >= capacity) return fail('QUEUE_FULL', `${queued} jobs are waiting, the limit is ${capacity}`);
  const t0 = performance.now();
  const images = await Promise.all(found.map((upload) => uploadPixelsAsync(upload)));
  const decodeMs = Math.round((performance.now() - t0) * 10) / 10;
  await checkLearnJobAsync(services.dataDir, learnJobOf(request, model.dir, images));
  const { record, position } = await services.queue.submitAsync({
    jobId: newId(),
    // A learn job saves no edit: its editId is an id of its own, which no edit has.
    editId: newId(),
    spec: { kind: 'learn', request, images },
    client: session.client,
    requestId: id,
    prompt: request.token,
    resultFormat: 'png',
    timingMs: { decode: decodeMs },
  });
  services.hub.subscribe(record.jobId, session);
  return { v, type: 'job.queued', id, jobId: record.jobId, editId: record.editId, position };
};
