// One layer's pixels for the companion: imaging.getPixels over its bounds, straight RGBA8 in sRGB, scaled down only
// to fit the companion's limit. The modal scope covers the read alone; nothing waits on the GPU inside it.
import type { ExportedSource } from '../../shared/src/bridge/messages.ts';
import { HostError } from '../main/host/design-host.ts';
import { exportSizeFor } from '../main/host/export-size.ts';
import { boundsFrame, sourceId } from './layers.ts';
import type { PhotoshopApi, PsDocument, PsLayer } from './photoshop-api.ts';
import { readSelectionMaskAsync } from './read-selection.ts';

export const SRGB = 'sRGB IEC61966-2.1';

/** RGB (no alpha channel, e.g. a background layer) → RGBA with opaque alpha. */
function toRgba(data: Uint8Array, components: number, pixels: number): Uint8Array {
  if (components === 4) return data;
  const rgba = new Uint8Array(pixels * 4);
  for (let i = 0; i < pixels; i++) {
    rgba[i * 4] = data[i * components] ?? 0;
    rgba[i * 4 + 1] = data[i * components + 1] ?? 0;
    rgba[i * 4 + 2] = data[i * components + 2] ?? 0;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

export async function readLayerAsync(ps: PhotoshopApi, doc: PsDocument, layer: PsLayer): Promise<ExportedSource> {
  const bounds = layer.boundsNoEffects;
  const frame = boundsFrame(bounds);
  if (frame.width <= 0 || frame.height <= 0)
    throw new HostError(`“${layer.name}” has no pixels. Select a layer with content.`);
  const size = exportSizeFor(layer.name, frame.width, frame.height);
  if (!size.ok) throw new HostError(size.message);

  const { imageData, mask } = await ps.core.executeAsModal(
    async () => ({
      ...(await ps.imaging.getPixels({
        documentID: doc.id,
        layerID: layer.id,
        sourceBounds: bounds,
        ...(size.scaledFrom === null ? {} : { targetSize: { width: size.width, height: size.height } }),
        colorSpace: 'RGB',
        colorProfile: SRGB,
        componentSize: 8,
        applyAlpha: false,
      })),
      // The active selection, where the edit may change the layer (read-selection.ts).
      mask: await readSelectionMaskAsync(ps, doc, bounds, size),
    }),
    { commandName: 'Read layer for Imagic' },
  );
  try {
    const data = await imageData.getData({ chunky: true });
    if (!(data instanceof Uint8Array)) throw new HostError(`“${layer.name}” did not come back as 8-bit pixels.`);
    const { width, height, components } = imageData;
    return {
      id: sourceId(doc, layer),
      name: layer.name,
      pageId: String(doc.id),
      frame,
      image: { format: 'rgba8', bytes: toRgba(data, components, width * height), width, height },
      scaledFrom: size.scaledFrom,
      ...(mask !== null && mask.width === width && mask.height === height ? { mask } : {}),
    };
  } finally {
    await imageData.dispose();
  }
}
