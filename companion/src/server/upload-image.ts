// An uploaded image → the RGBA pixels the engine takes. Raw RGBA8 is used as sent (the frame decoder checked its
// length); PNG and JPEG go through the shared decoder, and must decode to the size the frame header declared.
import { MAX_IMAGE_SIDE_PX } from '../../../shared/src/protocol/defaults.ts';
import { fail } from '../errors.ts';
import { decodeImage, type RgbaImage } from '../images/decode-image.ts';
import type { Upload } from './upload-store.ts';

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
