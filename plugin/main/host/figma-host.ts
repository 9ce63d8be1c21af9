// DesignHost for Figma's sandbox: the selection, export, placement, plugin data and clientStorage.
import type { ExportPurpose, PlaceRequest, SavedEditRef, SelectionItem } from '../../../shared/src/bridge/messages.ts';
import {
  HostError,
  selectionCountProblem,
  type DesignHost,
  type ExportOutcome,
  type HostStorage,
  type PlaceOutcome,
} from './design-host.ts';
import { layersAndMasks } from './figma/export-mask.ts';
import { exportNodeAsync } from './figma/export-node.ts';
import { placeResultsAsync } from './figma/place-results.ts';
import { readSavedEdits, writeSavedEdits } from './figma/saved-edits.ts';
import { sourceRef } from './figma/scene.ts';

const clientStorage: HostStorage = {
  getAsync: (key) => figma.clientStorage.getAsync(key),
  setAsync: (key, value) => figma.clientStorage.setAsync(key, value),
  deleteAsync: (key) => figma.clientStorage.deleteAsync(key),
};

export class FigmaHost implements DesignHost {
  readonly storage = clientStorage;

  async describeSelectionAsync(): Promise<SelectionItem[]> {
    return figma.currentPage.selection.map((node) => ({ ...sourceRef(node), savedEdits: readSavedEdits(node) }));
  }

  onSelectionChange(listener: () => void): void {
    // selectionchange also fires on page changes and when a selected node is deleted (plugin-api.d.ts).
    figma.on('selectionchange', listener);
  }

  async exportSelectionAsync(purpose: ExportPurpose = 'edit'): Promise<ExportOutcome> {
    const selection = figma.currentPage.selection;
    if (selection.length === 0 && purpose === 'edit')
      return { ok: false, message: 'Select a layer first: a frame, group, image or vector.' };
    const problem = selectionCountProblem(selection.length, purpose);
    if (problem !== null) return { ok: false, message: problem };
    try {
      const sources = [];
      for (const { layer, mask } of layersAndMasks(selection)) sources.push(await exportNodeAsync(layer, mask));
      return { ok: true, sources };
    } catch (err) {
      if (err instanceof HostError) return { ok: false, message: err.message };
      throw err;
    }
  }

  placeResultsAsync(request: PlaceRequest): Promise<PlaceOutcome> {
    return placeResultsAsync(request);
  }

  async rememberEditAsync(sourceId: string, edit: SavedEditRef): Promise<void> {
    const node = await figma.getNodeByIdAsync(sourceId);
    if (node === null || node.removed) return;
    writeSavedEdits(node, [...readSavedEdits(node).filter((e) => e.editId !== edit.editId), edit]);
  }

  async forgetEditAsync(sourceId: string, editId: string): Promise<void> {
    const node = await figma.getNodeByIdAsync(sourceId);
    if (node === null || node.removed) return;
    writeSavedEdits(
      node,
      readSavedEdits(node).filter((e) => e.editId !== editId),
    );
  }

  notify(message: string, isError: boolean): void {
    figma.notify(message, { error: isError, timeout: isError ? 8000 : 4000 });
  }
}
