// Edits made from a node are remembered on the node itself (private plugin data), so they travel with the file and
// the panel can offer "reopen" when the node is selected again, on any machine with the companion's saved edit.
import type { SavedEditRef } from '../../../../shared/src/bridge/messages.ts';

const KEY = 'imagic.edits';
/** Oldest first; enough to be useful without turning the node's plugin data into a history log. */
const MAX_PER_NODE = 20;

const isRef = (v: unknown): v is SavedEditRef =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as SavedEditRef).editId === 'string' &&
  typeof (v as SavedEditRef).prompt === 'string';

export function readSavedEdits(node: BaseNode): SavedEditRef[] {
  const raw = node.getPluginData(KEY);
  if (raw === '') return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isRef).map(({ editId, prompt }) => ({ editId, prompt })) : [];
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    console.warn(`Imagic: ignored unreadable saved edits on ${node.id}`);
    return [];
  }
}

export function writeSavedEdits(node: BaseNode, edits: readonly SavedEditRef[]): void {
  node.setPluginData(KEY, edits.length === 0 ? '' : JSON.stringify(edits.slice(-MAX_PER_NODE)));
}
