// Small helpers over Figma's node tree, shared by export and placement.
import type { SourceRef } from '../../../../shared/src/bridge/messages.ts';

/** The page a node is on, or null for a node that is not in a document tree. */
export function pageOf(node: BaseNode): PageNode | null {
  let current: BaseNode | null = node;
  while (current !== null && current.type !== 'PAGE') current = current.parent;
  return current;
}

/** Top-left corner in page coordinates (the translation of the absolute transform). */
export const absolutePosition = (node: SceneNode): { x: number; y: number } => ({
  x: node.absoluteTransform[0][2],
  y: node.absoluteTransform[1][2],
});

/** A node that is still in the document and can hold siblings above it. */
export function liveSceneNode(node: BaseNode | null): (SceneNode & { parent: BaseNode & ChildrenMixin }) | null {
  if (node === null || node.removed || node.type === 'PAGE' || node.type === 'DOCUMENT') return null;
  const parent = node.parent;
  if (parent === null || !('children' in parent)) return null;
  return node as SceneNode & { parent: BaseNode & ChildrenMixin };
}

/** Id, name, page and page-coordinate frame of a node: enough to place results even after it is deleted. */
export const sourceRef = (node: SceneNode): SourceRef => ({
  id: node.id,
  name: node.name,
  pageId: pageOf(node)?.id ?? null,
  frame: { ...absolutePosition(node), width: node.width, height: node.height },
});
