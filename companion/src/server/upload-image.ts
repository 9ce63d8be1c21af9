// An uploaded image → the RGBA pixels the engine takes. Raw RGBA8 is used as sent (the frame decoder checked its
// length); PNG and JPEG go through the shared decoder, and must decode to the size the frame header declared.
import { MAX_IMAGE_SIDE_PX } from '../../../shared/src/protocol/defaults.ts';
import { fail } from '../errors.ts';
import { decodeImage, type RgbaImage } from '../images/decode-image.ts';
import type { ImageRef } from '../../../shared/src/protocol/edit-request.ts';
import type { Upload, UploadStore } from './upload-store.ts';

/** The upload frame `image` names, checked against it (`field` names the reference in errors). */
export function uploadFor(image: ImageRef, uploads: UploadStore, field: string): Upload {
  const upload =
    uploads.get(image.frameId) ??
    fail('UPLOAD_NOT_FOUND', `no upload frame with id ${image.frameId} on this connection`);
  if (upload.kind !== 'upload')
    fail('INVALID_FIELD', `${field} names mask frame ${image.frameId}; name the layer's upload frame`);
  if (image.sha256 !== undefined && upload.sha256 !== image.sha256)
    fail('INVALID_FIELD', `${field}.sha256 is ${image.sha256} but the uploaded bytes hash to ${upload.sha256}`);
  if (upload.width !== image.width || upload.height !== image.height)
    fail(
      'INVALID_FIELD',
      `${field} says ${image.width}×${image.height}, the upload is ${upload.width}×${upload.height}`,
    );
  return upload;
}

export async function uploadPixelsAsync(upload: Upload): Promise<RgbaImage> {
  if (upload.format === 'rgba8') return { width: upload.width, height: upload.height, rgba: upload.payload };
  const image = await decodeImage(upload.payload, { maxPixels: MAX_IMAGE_SIDE_PX * MAX_IMAGE_SIDE_PX });
  if (image.width !== upload.width || image.height !== upload.height)
    fail(
      'IMAGE_UNSUPPORTED',
      `the ${upload.format} decodes to ${image.width}×${image.height} but its frame header says ${upload.width}×${upload.height}`,
    );
  return image;
}
