// Edit requests. The engine that trains and samples is a later issue: until it lands, these validate everything a
// real run would need (the upload and its hash) and then answer with the code that says what is missing.
import { PROTOCOL_VERSION } from '../../../../shared/src/protocol/version.ts';
import { fail } from '../../errors.ts';
import type { Handler } from './handler.ts';

export const handleEditStart: Handler<'edit.start'> = async ({ request }, { services, uploads }) => {
  const { image } = request;
  const upload = uploads.get(image.frameId);
  if (upload === undefined) return fail('UPLOAD_NOT_FOUND', `no upload frame with id ${image.frameId} on this connection`);
  if (upload.sha256 !== image.sha256)
    return fail('INVALID_FIELD', `request.image.sha256 is ${image.sha256} but the uploaded bytes hash to ${upload.sha256}`);
  if (upload.width !== image.width || upload.height !== image.height)
    return fail('INVALID_FIELD', `request.image says ${image.width}×${image.height}, the upload is ${upload.width}×${upload.height}`);

  const model = await services.modelStatusAsync();
  if (model.state === 'none') return fail('NO_MODEL', 'cannot start an edit without a model');
  return fail('ENGINE_UNAVAILABLE', `model ${model.name} is installed, but this build has no editing engine yet`);
};

/** No edit is ever stored before the engine exists, so every id is unknown. */
export const handleEditRender: Handler<'edit.render'> = async ({ editId }) => fail('EDIT_NOT_FOUND', `no edit ${editId}`);

export const handleEditDelete: Handler<'edit.delete'> = async ({ editId }) => fail('EDIT_NOT_FOUND', `no edit ${editId}`);

export const handleEditsList: Handler<'edits.list'> = async ({ id }) => ({ v: PROTOCOL_VERSION, type: 'edits.list.result', id, edits: [] });
