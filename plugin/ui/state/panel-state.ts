// Everything the panel shows, as one plain value: views render it, controllers replace parts of it. No DOM here.
import type { SelectionItem, SourceRef } from '../../../shared/src/bridge/messages.ts';
import type { ModelPrompts } from '../../../shared/src/protocol/messages.ts';
import type { EditMode, Preset } from '../../../shared/src/protocol/edit-request.ts';
import type { PanelRegion, UploadImage } from '../daemon/edit-service.ts';
import { STRENGTH_SLIDER } from './quick.ts';
import { initialLearnState, type LearnState } from './learn.ts';
import type { ConnectionView } from './connection-view.ts';
import { ETA_SLIDER } from './etas.ts';
import type { StageProgress } from './job-progress.ts';
import { parseSeeds, type SeedParse } from './seeds.ts';

/** A grid cell: its PNG for the panel (and Figma), and its raw RGBA8 when the companion sent it so (Photoshop). */
export type Variant = {
  key: string;
  /** The grid row: η, or a quick edit's strength (`quick`). */
  eta: number;
  seed: number;
  quick?: boolean;
  png: Uint8Array;
  rgba?: Uint8Array;
  width: number;
  height: number;
};

/** One source layer's edit: uploading → queued → training → ready, then rendering ↔ ready on re-renders. */
export type RunStatus = 'uploading' | 'queued' | 'training' | 'rendering' | 'ready' | 'failed' | 'cancelled';

export type EditRun = {
  id: number;
  source: SourceRef;
  prompt: string;
  /** imagic: trained once, re-rendered (edit.render); quick: each render is a new quick edit of `upload`. */
  mode: EditMode;
  /** The layer as uploaded, which every render of a quick edit sends again; null for Imagic. */
  upload: UploadImage | null;
  /** Where the edit may change the layer (the host's shape or selection), sent with every render; null: everywhere. */
  mask: UploadImage | null;
  /** Without a host mask: the automatic one, grown or shrunk by growPx, with every render; null: everywhere. */
  autoRegion: { growPx: number } | null;
  /** The automatic mask the last render used (PNG, white may change), shown beside the layer. */
  maskPng: Uint8Array | null;
  /** Imagic: the saved edit. Quick: the latest render's id, which names its inserted results. */
  editId: string | null;
  status: RunStatus;
  /** Re-renders (the edit-strength slider) work: Imagic after stages 1–2, a quick edit at once. */
  trained: boolean;
  progress: StageProgress | null;
  queuePosition: number | null;
  variants: Variant[];
  preview: (Variant & { steps: number }) | null;
  /** The layer as it was sent (PNG), shown beside the variants; null for a reopened saved edit. */
  before: Uint8Array | null;
  error: string | null;
};

/** A saved edit of a selected layer, with what the companion knows about it. */
export type SavedEditView = {
  sourceId: string;
  sourceName: string;
  editId: string;
  prompt: string;
  state: 'training' | 'ready' | 'failed' | 'missing' | 'unknown';
};

/** `modelId`: the model edits name (EditRequest.model), the companion's default when the panel connected. */
export type CompanionInfo = { model: string; modelId: string | null; device: string; hasModel: boolean };

export type PanelState = {
  connection: ConnectionView;
  companion: CompanionInfo | null;
  /** What the model says to type (status's model.prompts): the placeholder, and the words it knows. */
  modelPrompts: ModelPrompts | null;
  /** The model's learned words, and those with a subject adapter (status's model.learned). */
  learned: { words: string[]; adapters: string[] };
  /** A subject adapter switched on for edits in either mode (EditRequest.subject); null: none. */
  subject: string | null;
  selection: SelectionItem[];
  savedEdits: SavedEditView[];
  prompt: string;
  recentPrompts: string[];
  preset: Preset;
  seedsText: string;
  seeds: SeedParse;
  eta: number;
  varyEta: boolean;
  /** Imagic, or a quick edit (SDEdit) at `strength`, which the edit-strength slider sets in that mode. */
  mode: EditMode;
  strength: number;
  /** Let the model find the region an edit may change (DiffEdit) when the host gives no mask. */
  autoMask: boolean;
  runs: EditRun[];
  chosen: ReadonlySet<string>;
  busy: 'exporting' | 'inserting' | null;
  notice: { text: string; isError: boolean } | null;
  /** Learning a new word from the selected layers (state/learn.ts). */
  learn: LearnState;
};

export const initialPanelState = (): PanelState => ({
  connection: { kind: 'connecting', title: 'Connecting to the companion…', fix: [], askForCode: false },
  companion: null,
  modelPrompts: null,
  learned: { words: [], adapters: [] },
  subject: null,
  selection: [],
  savedEdits: [],
  prompt: '',
  recentPrompts: [],
  preset: 'standard', // the companion's DEFAULT_PRESET (engine/settings.ts; the UI bundle cannot import it)
  seedsText: '4',
  seeds: parseSeeds('4'),
  eta: ETA_SLIDER.initial,
  varyEta: true,
  mode: 'imagic',
  strength: STRENGTH_SLIDER.initial,
  autoMask: false,
  runs: [],
  chosen: new Set(),
  busy: null,
  notice: null,
  learn: initialLearnState(),
});

export const variantKey = (runId: number, eta: number, seed: number): string => `${runId}:${eta}:${seed}`;

export const isActive = (run: EditRun): boolean =>
  run.status === 'uploading' || run.status === 'queued' || run.status === 'training' || run.status === 'rendering';

/** Why the Edit button is off, or null when an edit can start. */
export function editBlocker(state: PanelState): string | null {
  if (state.connection.kind !== 'connected') return 'Connect to the companion first.';
  if (state.companion !== null && !state.companion.hasModel) return 'The companion has no model yet.';
  if (state.selection.length === 0) return 'Select a layer first.';
  if (state.prompt.trim() === '') return 'Describe the edit first.';
  if (!state.seeds.ok) return state.seeds.message;
  if (state.busy !== null || state.runs.some((r) => isActive(r) && !r.trained)) return 'An edit is running.';
  return null;
}

/** The region a run's renders send: its host mask, else its automatic region, else none. */
export const regionOf = (run: EditRun): PanelRegion | null =>
  run.mask !== null
    ? { kind: 'mask', mask: run.mask }
    : run.autoRegion === null
      ? null
      : { kind: 'auto', ...run.autoRegion };
