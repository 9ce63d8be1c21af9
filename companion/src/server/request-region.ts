// A request's region (EditRequest.region) in the engine's terms, checked at admission so that a bad mask queues
// nothing: the mask frame it names must be on this connection, and the mask (maskFromImage) of the layer's size and
// letting something change.
import type { Region } from '../../../shared/src/protocol/edit-request.ts';
import { fail, ImagicError } from '../errors.ts';
import type { RegionRequest } from '../engine/edit-run.ts';
import { maskFromImage } from '../engine/edit-region.ts';
import { uploadPixelsAsync } from './upload-image.ts';
import type { UploadStore } from './upload-store.ts';

export async function requestRegionAsync(
  region: Region | undefined,
  uploads: UploadStore,
  layer: { readonly width: number; readonly height: number },
): Promise<RegionRequest | undefined> {
  if (region === undefined) return undefined;
  if (region.kind === 'auto')
    return { kind: 'auto', sourcePrompt: region.sourcePrompt, featherPx: region.featherPx, growPx: region.growPx };
  const frame = uploads.get(region.frameId);
  if (frame?.kind !== 'mask')
    return fail(
      'UPLOAD_NOT_FOUND',
      `no mask frame with id ${region.frameId} on this connection: send the mask as a binary frame of kind mask right before the request that names it`,
    );
  try {
    return { kind: 'mask', mask: maskFromImage(await uploadPixelsAsync(frame), layer), featherPx: region.featherPx };
  } catch (err) {
    if (err instanceof ImagicError && err.code === 'INVALID_SPEC')
      return fail('INVALID_FIELD', `request.region: ${err.message}`);
    throw err;
  }
}
