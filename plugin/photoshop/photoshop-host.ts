// DesignHost for Photoshop's UXP panel: the active document's selected layers, pixel I/O through the imaging API,
// saved edits in the panel's storage, and notices shown in the panel itself (no modal alerts).
import type { ExportPurpose, PlaceRequest, SavedEditRef, SelectionItem } from '../../shared/src/bridge/messages.ts';
import {
  HostError,
  selectionCountProblem,
  type DesignHost,
  type ExportOutcome,
  type HostStorage,
  type PlaceOutcome,
} from '../main/host/design-host.ts';
import { boundsFrame, sourceId } from './layers.ts';
import type { PhotoshopApi } from './photoshop-api.ts';
import { placeLayersAsync } from './place-layers.ts';
import { readLayerAsync } from './read-layer.ts';

/** Photoshop events after which the selected layers may differ. */
const SELECTION_EVENTS = ['select', 'open', 'close', 'make', 'delete', 'set'];
const editsKey = (id: string) => `imagic.edits.${id}`;

export type PhotoshopHostOptions = { storage: HostStorage; notify(message: string, isError: boolean): void };

export class PhotoshopHost implements DesignHost {
  readonly storage: HostStorage;

  constructor(
    private readonly ps: PhotoshopApi,
    private readonly options: PhotoshopHostOptions,
  ) {
    this.storage = options.storage;
  }

  async describeSelectionAsync(): Promise<SelectionItem[]> {
    const doc = this.ps.app.activeDocument;
    if (doc === null) return [];
    const items: SelectionItem[] = [];
    for (const layer of doc.activeLayers) {
      const id = sourceId(doc, layer);
      items.push({
        id,
        name: layer.name,
        pageId: String(doc.id),
        frame: boundsFrame(layer.boundsNoEffects),
        savedEdits: await this.savedAsync(id),
      });
    }
    return items;
  }

  onSelectionChange(listener: () => void): void {
    this.ps.action
      .addNotificationListener(SELECTION_EVENTS, () => listener())
      .catch((err: unknown) => console.warn('Imagic: no selection events', err));
  }

  async exportSelectionAsync(purpose: ExportPurpose = 'edit'): Promise<ExportOutcome> {
    const doc = this.ps.app.activeDocument;
    if (doc === null) return { ok: false, message: 'Open a document and select a layer first.' };
    const layers = [...doc.activeLayers];
    if (layers.length === 0 && purpose === 'edit')
      return { ok: false, message: 'Select a layer first (Layers panel).' };
    const problem = selectionCountProblem(layers.length, purpose);
    if (problem !== null) return { ok: false, message: problem };
    try {
      const sources = [];
      for (const layer of layers) sources.push(await readLayerAsync(this.ps, doc, layer));
      return { ok: true, sources };
    } catch (err) {
      if (err instanceof HostError) return { ok: false, message: err.message };
      return {
        ok: false,
        message: `Photoshop could not read the layer: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  }

  placeResultsAsync(request: PlaceRequest): Promise<PlaceOutcome> {
    return placeLayersAsync(this.ps, request);
  }

  async rememberEditAsync(id: string, edit: SavedEditRef): Promise<void> {
    const saved = (await this.savedAsync(id)).filter((e) => e.editId !== edit.editId);
    await this.storage.setAsync(editsKey(id), [...saved, edit].slice(-20));
  }

  async forgetEditAsync(id: string, editId: string): Promise<void> {
    await this.storage.setAsync(
      editsKey(id),
      (await this.savedAsync(id)).filter((e) => e.editId !== editId),
    );
  }

  notify(message: string, isError: boolean): void {
    this.options.notify(message, isError);
  }

  private async savedAsync(id: string): Promise<SavedEditRef[]> {
    const value = await this.storage.getAsync(editsKey(id));
    return Array.isArray(value)
      ? value.filter((e): e is SavedEditRef => typeof e?.editId === 'string' && typeof e?.prompt === 'string')
      : [];
  }
}
