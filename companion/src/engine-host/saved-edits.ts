// Saved edits as the protocol lists them, and their thumbnails: plain file reads over the engine's EditStore,
// done on the daemon's thread (they never touch the model).
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { EditSummary } from '../../../shared/src/protocol/messages.ts';
import { EditStore } from '../engine/edit-store.ts';
import { ImagicError } from '../errors.ts';
import type { EditImage, EditResults } from './edit-engine.ts';

export class SavedEdits {
  private readonly store: EditStore;

  constructor(dataDir: string) {
    this.store = new EditStore(dataDir);
  }

  async listAsync(): Promise<EditSummary[]> {
    return (await this.store.listAsync()).map(({ id, manifest }) => ({
      editId: id,
      prompt: manifest.prompt.slice(0, 1000),
      preset: manifest.preset,
      width: manifest.input.width,
      height: manifest.input.height,
      createdAt: manifest.created_at,
      state: 'ready' as const,
    }));
  }

  /** True for a saved edit, also a stale one (a render then says EDIT_STALE). */
  async hasAsync(editId: string): Promise<boolean> {
    try {
      await this.store.readManifestAsync(editId);
      return true;
    } catch (err) {
      if (err instanceof ImagicError && err.code === 'EDIT_NOT_FOUND') return false;
      if (err instanceof ImagicError && err.code === 'EDIT_STALE') return true;
      throw err;
    }
  }

  async deleteAsync(editId: string): Promise<void> {
    await this.store.deleteAsync(editId);
  }

  async thumbnailAsync(editId: string, maxSidePx: number, which: EditImage = 'input'): Promise<Uint8Array> {
    const manifest = await this.store.readManifestAsync(editId);
    const image =
      which === 'input'
        ? await readFile(path.join(this.store.root, editId, manifest.files.input))
        : await this.store.outputPngAsync(editId, which.result);
    const png = await sharp(image)
      .resize(maxSidePx, maxSidePx, { fit: 'inside', withoutEnlargement: true })
      .png()
      .toBuffer();
    return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
  }

  async resultsAsync(editId: string): Promise<EditResults> {
    const manifest = await this.store.readManifestAsync(editId);
    return (await this.store.latestResultsAsync(editId)) ?? { sampling: manifest.sample, outputs: [] };
  }
}
