// Finding documents and layers by id, and the ids the bridge uses for them ("<document id>:<layer id>").
import type { Frame } from '../../shared/src/bridge/messages.ts';
import type { PsApp, PsBounds, PsDocument, PsLayer } from './photoshop-api.ts';

export const sourceId = (doc: PsDocument, layer: PsLayer): string => `${doc.id}:${layer.id}`;

export function parseSourceId(id: string): { documentId: number; layerId: number } | null {
  const match = /^(\d+):(\d+)$/.exec(id);
  return match === null ? null : { documentId: Number(match[1]), layerId: Number(match[2]) };
}

export const findDocument = (app: PsApp, id: number): PsDocument | null =>
  [...app.documents].find((d) => d.id === id) ?? null;

/** Depth-first through groups. */
export function findLayer(layers: Iterable<PsLayer>, id: number): PsLayer | null {
  for (const layer of layers) {
    if (layer.id === id) return layer;
    const inner = layer.layers === null ? null : findLayer(layer.layers, id);
    if (inner !== null) return inner;
  }
  return null;
}

export const boundsFrame = (b: PsBounds): Frame => ({
  x: b.left,
  y: b.top,
  width: b.right - b.left,
  height: b.bottom - b.top,
});
