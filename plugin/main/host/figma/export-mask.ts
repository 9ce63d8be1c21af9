// A shape selected together with the layer under it is that layer's edit mask (issue: quick edits and masks): the
// designer draws a rectangle, ellipse or vector over the part to change and selects both. Figma cannot export a node
// in another node's frame, so the shape is copied, white, into a temporary black frame at the layer's position and
// size, exported at the layer's own scale, and the frame removed: white is where the edit may change the layer.
import type { ExportedSource, SourceImage } from '../../../../shared/src/bridge/messages.ts';
import { HostError } from '../design-host.ts';
import { pngSize } from './png-size.ts';
import { absolutePosition } from './scene.ts';

/** Node types a designer draws a region with. */
const MASK_SHAPES: ReadonlySet<NodeType> = new Set([
  'RECTANGLE',
  'ELLIPSE',
  'POLYGON',
  'STAR',
  'VECTOR',
  'BOOLEAN_OPERATION',
]);

export type SourceWithMask = { readonly layer: SceneNode; readonly mask: SceneNode | null };

/**
 * The layers to edit: each selected node, except that of exactly two selected nodes a shape that lies over the other
 * (a child of it, or a later sibling: above it in the layers panel) and overlaps it is that layer's mask. A layer
 * selected alone that holds a mask (a child shape with "Use as mask") is edited inside that mask.
 */
export function layersAndMasks(selection: readonly SceneNode[]): SourceWithMask[] {
  if (selection.length === 1) {
    const [layer] = selection as [SceneNode];
    const own =
      'children' in layer
        ? layer.children.find((c) => 'isMask' in c && c.isMask && MASK_SHAPES.has(c.type))
        : undefined;
    return [{ layer, mask: own ?? null }];
  }
  if (selection.length === 2) {
    const [a, b] = selection as [SceneNode, SceneNode];
    for (const [layer, shape] of [
      [a, b],
      [b, a],
    ] as const)
      if (MASK_SHAPES.has(shape.type) && isOver(shape, layer) && overlaps(shape, layer))
        return [{ layer, mask: shape }];
  }
  return selection.map((layer) => ({ layer, mask: null }));
}

function isOver(shape: SceneNode, layer: SceneNode): boolean {
  for (let p = shape.parent; p !== null; p = p.parent) if (p === layer) return true;
  const parent = layer.parent;
  if (parent === null || shape.parent !== parent || !('children' in parent)) return false;
  return parent.children.indexOf(shape) > parent.children.indexOf(layer);
}

function overlaps(a: SceneNode, b: SceneNode): boolean {
  const [pa, pb] = [absolutePosition(a), absolutePosition(b)];
  return pa.x < pb.x + b.width && pb.x < pa.x + a.width && pa.y < pb.y + b.height && pb.y < pa.y + a.height;
}

const WHITE: SolidPaint = { type: 'SOLID', color: { r: 1, g: 1, b: 1 } };
const BLACK: SolidPaint = { type: 'SOLID', color: { r: 0, g: 0, b: 0 } };

/** The mask PNG for `layer` from `shape`, at `source`'s exported size (the same constraint gives the same pixels). */
export async function exportMaskAsync(
  layer: SceneNode,
  shape: SceneNode,
  source: ExportedSource,
  constraint: ExportSettingsConstraints,
): Promise<SourceImage> {
  const frame = figma.createFrame();
  try {
    frame.name = 'Imagic mask (temporary)';
    frame.resize(layer.width, layer.height);
    const at = absolutePosition(layer);
    frame.x = at.x;
    frame.y = at.y;
    frame.fills = [BLACK];
    frame.clipsContent = true;
    const copy = shape.clone();
    frame.appendChild(copy);
    const from = absolutePosition(shape);
    copy.x = from.x - at.x;
    copy.y = from.y - at.y;
    if ('fills' in copy) copy.fills = [WHITE];
    if ('strokes' in copy) copy.strokes = [];
    if ('effects' in copy) copy.effects = [];
    if ('opacity' in copy) copy.opacity = 1;
    const bytes = await frame.exportAsync({ format: 'PNG', constraint, colorProfile: 'SRGB' });
    const size = pngSize(bytes);
    if (size === null || size.width !== source.image.width || size.height !== source.image.height)
      throw new HostError(
        `The shape “${shape.name}” could not be turned into a mask the size of “${layer.name}”. Select the layer alone to edit it whole.`,
      );
    return { format: 'png', bytes, ...size };
  } finally {
    frame.remove();
  }
}
