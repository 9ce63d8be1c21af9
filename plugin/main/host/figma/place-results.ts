// Inserts one edit's chosen variants: image-filled rectangles stacked right above the source node, at its position
// and size, grouped per edit, selected, and committed as one undo step. If the source was deleted while the edit
// ran, the group goes where the source was (its page, or the current page) and the caller tells the user.
import type { PlaceRequest, PlacedVariant } from '../../../../shared/src/bridge/messages.ts';
import type { PlaceOutcome } from '../design-host.ts';
import { editGroupName, variantName } from '../../result-name.ts';
import { liveSceneNode, pageOf } from './scene.ts';

function imageRectangle(variant: PlacedVariant, prompt: string): RectangleNode {
  const image = figma.createImage(variant.png);
  const rect = figma.createRectangle();
  rect.name = variantName(prompt, variant.eta, variant.seed, variant.quick);
  rect.fills = [{ type: 'IMAGE', imageHash: image.hash, scaleMode: 'FILL' }];
  return rect;
}

async function formerPageAsync(pageId: string | null): Promise<PageNode> {
  const node = pageId === null ? null : await figma.getNodeByIdAsync(pageId);
  if (node === null || node.type !== 'PAGE' || node.removed) return figma.currentPage;
  await node.loadAsync();
  return node;
}

export async function placeResultsAsync(request: PlaceRequest): Promise<PlaceOutcome> {
  const { source, prompt, variants } = request;
  const node = liveSceneNode(await figma.getNodeByIdAsync(source.id));
  // Seal whatever the plugin changed before (e.g. plugin data), so undo takes back exactly this insert.
  figma.commitUndo();
  const rects = variants.map((variant) => imageRectangle(variant, prompt));

  let parent: BaseNode & ChildrenMixin;
  let index: number;
  if (node !== null) {
    parent = node.parent;
    index = parent.children.indexOf(node) + 1;
    for (const rect of rects) {
      parent.insertChild(index, rect);
      // Same parent, same transform: the result covers the source exactly, rotation included.
      rect.relativeTransform = node.relativeTransform;
      rect.resize(Math.max(node.width, 0.01), Math.max(node.height, 0.01));
    }
  } else {
    parent = await formerPageAsync(source.pageId);
    index = parent.children.length;
    for (const rect of rects) {
      parent.appendChild(rect);
      rect.x = source.frame.x;
      rect.y = source.frame.y;
      rect.resize(source.frame.width, source.frame.height);
    }
  }

  const group = figma.group(rects, parent, index);
  group.name = editGroupName(prompt);
  if (pageOf(group) === figma.currentPage) figma.currentPage.selection = [group];
  figma.commitUndo();
  return { count: rects.length, sourceMissing: node === null };
}
