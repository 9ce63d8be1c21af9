// The seam between the panel's document requests and a design tool. Figma (figma-host.ts, in the sandbox) and
// Photoshop (plugin/photoshop/photoshop-host.ts, in the UXP panel) implement it; controller.ts drives either one.
import type {
  ExportedSource,
  ExportPurpose,
  PlaceRequest,
  SavedEditRef,
  SelectionItem,
} from '../../../shared/src/bridge/messages.ts';
import { LEARN_LAYERS } from '../../../shared/src/protocol/defaults.ts';

/**
 * How many layers an export takes, per purpose: each selected layer becomes one edit, and more than 8 is more GPU time
 * than anyone means to start with one click; a learn job takes 3–10 layers of one concept (the protocol's LEARN_LAYERS).
 */
export const SELECTION_LIMITS: Readonly<Record<ExportPurpose, { min: number; max: number; what: string }>> = {
  edit: { min: 1, max: 8, what: 'each one is a separate edit' },
  learn: { min: LEARN_LAYERS.min, max: LEARN_LAYERS.max, what: 'layers of the one thing to learn' },
};
export const MAX_SOURCES = SELECTION_LIMITS.edit.max;

/** Why `count` selected layers cannot be exported for `purpose` ("layers"/"nodes" in the host's words), or null. */
export function selectionCountProblem(count: number, purpose: ExportPurpose, layers = 'layers'): string | null {
  const { min, max, what } = SELECTION_LIMITS[purpose];
  if (count === 0) return `Select ${min === 1 ? 'a layer' : `${min}–${max} ${layers}`} first.`;
  if (count < min || count > max)
    return `${count} ${layers} are selected; select ${min === 1 ? `at most ${max}` : `${min}–${max}`} (${what}).`;
  return null;
}

export type ExportOutcome = { ok: true; sources: ExportedSource[] } | { ok: false; message: string };

export type PlaceOutcome = {
  count: number;
  /** The source node was deleted while the edit ran; the results went where it had been. */
  sourceMissing: boolean;
};

/** Small per-user values (pairing code, recent prompts): Figma's clientStorage, UXP's localStorage. */
export interface HostStorage {
  getAsync(key: string): Promise<unknown>;
  setAsync(key: string, value: unknown): Promise<void>;
  deleteAsync(key: string): Promise<void>;
}

export interface DesignHost {
  readonly storage: HostStorage;
  /** What is selected now, with the edits remembered on each node. */
  describeSelectionAsync(): Promise<SelectionItem[]>;
  /** Calls `listener` whenever the selection or the current page/document changes. */
  onSelectionChange(listener: () => void): void;
  /** Pixels of every selected node at native scale, capped to the companion's limit (never upscaled). */
  exportSelectionAsync(purpose?: ExportPurpose): Promise<ExportOutcome>;
  /** Inserts the variants above their source, at its position and size, as one group and one undo step. */
  placeResultsAsync(request: PlaceRequest): Promise<PlaceOutcome>;
  rememberEditAsync(sourceId: string, edit: SavedEditRef): Promise<void>;
  forgetEditAsync(sourceId: string, editId: string): Promise<void>;
  /** A short, non-blocking message to the user (figma.notify; a toast in the Photoshop panel). */
  notify(message: string, isError: boolean): void;
}

/** Thrown by hosts for failures the user can fix; the message says how. */
export class HostError extends Error {
  override readonly name = 'HostError';
}
