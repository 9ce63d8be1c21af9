// The active pixel selection as the edit's mask (issue: quick edits and masks): Photoshop's own way to say "only
// here", as its Generative Fill reads it. imaging.getSelection gives the selection as grey levels over the bounds
// asked for (255 selected); a selection that covers none or all of the layer is no mask at all.
import type { SourceImage } from '../../shared/src/bridge/messages.ts';
import type { PhotoshopApi, PsBounds, PsDocument } from './photoshop-api.ts';

/**
 * The selection over `bounds` at `size` (the layer's read size) as opaque grey RGBA8 (white may change), or null when
 * there is no selection or it covers none or all of the layer. Call inside the layer read's modal scope.
 */
export async function readSelectionMaskAsync(
  ps: PhotoshopApi,
  doc: PsDocument,
  bounds: PsBounds,
  size: { width: number; height: number },
): Promise<SourceImage | null> {
  const scaled = size.width !== bounds.right - bounds.left || size.height !== bounds.bottom - bounds.top;
  let result: Awaited<ReturnType<PhotoshopApi['imaging']['getSelection']>>;
  try {
    result = await ps.imaging.getSelection({
      documentID: doc.id,
      sourceBounds: bounds,
      ...(scaled ? { targetSize: size } : {}),
    });
  } catch {
    return null; // no selection
  }
  const { imageData, sourceBounds } = result;
  try {
    const data = await imageData.getData({ chunky: true });
    if (!(data instanceof Uint8Array)) return null;
    // The selection's own bounds may be smaller than the layer's: place its pixels at their offset, scaled as read.
    const sx = size.width / (bounds.right - bounds.left);
    const sy = size.height / (bounds.bottom - bounds.top);
    const left = Math.round((sourceBounds.left - bounds.left) * sx);
    const top = Math.round((sourceBounds.top - bounds.top) * sy);
    const grey = new Uint8Array(size.width * size.height);
    for (let y = 0; y < imageData.height; y++)
      for (let x = 0; x < imageData.width; x++) {
        const [tx, ty] = [left + x, top + y];
        if (tx < 0 || ty < 0 || tx >= size.width || ty >= size.height) continue;
        grey[ty * size.width + tx] = data[(y * imageData.width + x) * imageData.components] ?? 0;
      }
    const selected = grey.filter((v) => v >= 128).length;
    if (selected === 0 || selected === grey.length) return null;
    const rgba = new Uint8Array(4 * grey.length);
    grey.forEach((v, i) => {
      rgba.fill(v, 4 * i, 4 * i + 3);
      rgba[4 * i + 3] = 255;
    });
    return { format: 'rgba8', bytes: rgba, ...size };
  } finally {
    await imageData.dispose();
  }
}
