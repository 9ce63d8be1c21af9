// Inserts one edit's variants as pixel layers in a group right above the source layer, at its position and size, as
// one history step. PNGs are decoded before entering modal state: modal state blocks the user and every other plugin,
// so it lasts only for the document changes themselves.
import type { PlaceRequest } from '../../shared/src/bridge/messages.ts';
import { HostError, type PlaceOutcome } from '../main/host/design-host.ts';
import { editGroupName, variantName } from '../main/result-name.ts';
import { boundsFrame, findDocument, findLayer, parseSourceId } from './layers.ts';
import type { PhotoshopApi, PsLayer } from './photoshop-api.ts';
import { SRGB } from './read-layer.ts';

export async function placeLayersAsync(ps: PhotoshopApi, request: PlaceRequest): Promise<PlaceOutcome> {
  const { prompt, variants } = request;
  // The panel asks the companion for raw RGBA8 on Photoshop (edit-service.ts, OUTPUT_FORMAT), so pixels arrive as such.
  const images = variants.map((variant) => {
    if (variant.rgba === undefined || variant.rgba.length !== variant.width * variant.height * 4)
      throw new HostError('The result came without its pixels; update the companion and the plugin together.');
    return { variant, width: variant.width, height: variant.height, rgba: variant.rgba };
  });
  const ids = parseSourceId(request.source.id);
  const doc = (ids === null ? null : findDocument(ps.app, ids.documentId)) ?? ps.app.activeDocument;
  if (doc === null) throw new HostError('Open a document to insert the results into.');
  const source = ids === null || ids.documentId !== doc.id ? null : findLayer(doc.layers, ids.layerId);
  const frame = source === null ? request.source.frame : boundsFrame(source.boundsNoEffects);
  const commandName = `Imagic: ${prompt}`;

  await ps.core.executeAsModal(
    async (context) => {
      const suspension = await context.hostControl.suspendHistory({ documentID: doc.id, name: commandName });
      try {
        const layers: PsLayer[] = [];
        for (const { variant, width, height, rgba } of images) {
          const layer = await doc.createPixelLayer({
            name: variantName(prompt, variant.eta, variant.seed, variant.quick),
          });
          if (layer === null)
            throw new HostError('Photoshop did not create a layer. Is the document in a mode that has layers (RGB)?');
          const imageData = await ps.imaging.createImageDataFromBuffer(rgba, {
            width,
            height,
            components: 4,
            chunky: true,
            colorSpace: 'RGB',
            colorProfile: SRGB,
          });
          try {
            await ps.imaging.putPixels({
              documentID: doc.id,
              layerID: layer.id,
              imageData,
              targetBounds: { left: frame.x, top: frame.y, width, height },
              replace: true,
              commandName,
            });
          } finally {
            await imageData.dispose();
          }
          // A source exported scaled down (over the companion's limit) comes back smaller: stretch it to cover the source.
          if (Math.round(frame.width) !== width || Math.round(frame.height) !== height)
            await layer.scale(
              (100 * frame.width) / width,
              (100 * frame.height) / height,
              ps.constants.AnchorPosition.TOPLEFT,
            );
          layers.push(layer);
        }
        const group = await doc.createLayerGroup({ name: editGroupName(prompt), fromLayers: layers });
        if (group !== null && source !== null) group.move(source, ps.constants.ElementPlacement.PLACEBEFORE);
        await context.hostControl.resumeHistory(suspension, true);
      } catch (err) {
        await context.hostControl.resumeHistory(suspension, false);
        throw err;
      }
    },
    { commandName },
  );
  return { count: images.length, sourceMissing: source === null };
}
