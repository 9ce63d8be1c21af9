// One selected node to PNG bytes at native scale, capped to the companion's limit by an export constraint.
import type { ExportedSource } from '../../../../shared/src/bridge/messages.ts';
import { MAX_IMAGE_BYTES, MAX_IMAGE_SIDE_PX, MIN_IMAGE_SIDE_PX } from '../../../../shared/src/protocol/defaults.ts';
import { HostError } from '../design-host.ts';
import { exportSizeFor } from '../export-size.ts';
import { exportMaskAsync } from './export-mask.ts';
import { pngSize } from './png-size.ts';
import { sourceRef } from './scene.ts';

export const constraintFor = (cappedSide: 'width' | 'height' | null): ExportSettingsConstraints =>
  cappedSide === null
    ? { type: 'SCALE', value: 1 }
    : { type: cappedSide === 'width' ? 'WIDTH' : 'HEIGHT', value: MAX_IMAGE_SIDE_PX };

/** The node's pixels and, with a shape selected over it (export-mask.ts), its mask. */
export async function exportNodeAsync(node: SceneNode, maskShape: SceneNode | null = null): Promise<ExportedSource> {
  const size = exportSizeFor(node.name, node.width, node.height);
  if (!size.ok) throw new HostError(size.message);
  let bytes: Uint8Array;
  try {
    // sRGB, because the companion treats pixels as sRGB; contentsOnly keeps the node's own bounds.
    bytes = await node.exportAsync({
      format: 'PNG',
      constraint: constraintFor(size.cappedSide),
      colorProfile: 'SRGB',
      contentsOnly: true,
    });
  } catch (err) {
    throw new HostError(`Figma could not export “${node.name}”: ${err instanceof Error ? err.message : String(err)}`);
  }
  const actual = pngSize(bytes);
  if (actual === null)
    throw new HostError(`Figma returned an unreadable PNG for “${node.name}”. Try exporting it again.`);
  const sides = [actual.width, actual.height];
  if (sides.some((s) => s > MAX_IMAGE_SIDE_PX || s < MIN_IMAGE_SIDE_PX) || bytes.length > MAX_IMAGE_BYTES)
    throw new HostError(
      `“${node.name}” exported at ${actual.width}×${actual.height} px, outside ${MIN_IMAGE_SIDE_PX}–${MAX_IMAGE_SIDE_PX} px per side. Resize the layer.`,
    );
  const source: ExportedSource = {
    ...sourceRef(node),
    image: { format: 'png', bytes, ...actual },
    scaledFrom: size.scaledFrom,
  };
  if (maskShape === null) return source;
  return { ...source, mask: await exportMaskAsync(node, maskShape, source, constraintFor(size.cappedSide)) };
}
