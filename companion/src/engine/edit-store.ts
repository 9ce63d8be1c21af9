// Saved edits: the state of stages 1–2 (e_tgt, e_opt, e_∅, the adapter weights, the input image) under
// <data-dir>/edits/<edit-id>/, so that a new η or seed re-runs stage 3 only (docs/method.md §2.4: an edit keeps the state
// of stages 1–2 and re-renders from it). Tensors are raw little-endian float32 files; manifest.json holds the
// settings, the input's sha256, the model id, the image size and placement, and created/used times. An edit is
// written into a temporary folder and renamed into place, so a crash never leaves half an edit. A total-size cap
// evicts the least recently used edits.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { fail } from '../errors.ts';
import { numel } from '../graph/tensor.ts';
import { decodeImage } from '../images/decode-image.ts';
import { encodePng } from '../images/model-input.ts';
import type { TrainedState } from './imagic-engine.ts';
import type { SampleSettings } from './settings.ts';
import { editManifestSchema, type EditManifest } from './edit-manifest.ts';

export const editsDir = (dataDir: string): string => join(dataDir, 'edits');
/** Edits are small (SD 1.x: ~0.7 MB of embeddings plus a few MB of rank-8 adapters), so 1 GiB keeps hundreds. */
export const DEFAULT_MAX_EDIT_BYTES = 1024 ** 3;
const MANIFEST = 'manifest.json';
const INPUT_IMAGE = 'input.png';
/** The latest render's images, for the dashboard: `outputs/<n>.png` and `outputs/index.json`. */
const OUTPUTS = 'outputs';
const OUTPUTS_INDEX = 'index.json';
/** A render may ask for 64 outputs; the dashboard shows a few. */
const MAX_SAVED_OUTPUTS = 8;

/** One image of an edit's latest render, as `latestOutputsAsync` lists them. */
export interface SavedOutput {
  readonly index: number;
  readonly eta: number;
  readonly seed: number;
}

/** The latest results: what they were rendered with, and which they are. */
export interface SavedResults {
  readonly sampling: SampleSettings;
  readonly outputs: readonly SavedOutput[];
}

const savedResultsSchema = z.strictObject({
  sampling: editManifestSchema.shape.sample,
  outputs: z
    .array(z.strictObject({ index: z.int().min(0), eta: z.number(), seed: z.int().min(0) }))
    .max(MAX_SAVED_OUTPUTS),
});
const EDIT_ID = /^[0-9a-f]{32}$/;
/** Decoding the saved input back: it was written by us at its own size, which the edit already accepted. */
const MAX_SAVED_PIXELS = 4096 * 4096;

export interface SavedEdit {
  readonly manifest: EditManifest;
  readonly state: TrainedState;
}

export interface EditListing {
  readonly id: string;
  readonly manifest: EditManifest;
  readonly bytes: number;
}

export const newEditId = (): string => randomBytes(16).toString('hex');

const f32Bytes = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

async function readF32(file: string, length: number): Promise<Float32Array> {
  const bytes = await readFile(file);
  if (bytes.byteLength !== length * 4)
    fail('EDIT_STALE', `${file} has ${bytes.byteLength} bytes; expected ${length * 4}`);
  const out = new Float32Array(length);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    total += entry.isDirectory() ? await folderBytes(p) : (await stat(p)).size;
  }
  return total;
}

export class EditStore {
  readonly root: string;

  constructor(
    dataDir: string,
    private readonly maxBytes = DEFAULT_MAX_EDIT_BYTES,
  ) {
    this.root = editsDir(dataDir);
  }

  private dirOf(id: string): string {
    if (!EDIT_ID.test(id)) fail('EDIT_NOT_FOUND', `'${id}' is not an edit id (32 lowercase hex characters)`);
    return join(this.root, id);
  }

  /** Writes the edit atomically, then evicts least recently used edits (never this one) over the size cap. */
  async saveAsync(
    id: string,
    manifestBase: Omit<EditManifest, 'files' | 'adapters'>,
    state: TrainedState,
  ): Promise<EditManifest> {
    const final = this.dirOf(id);
    await mkdir(this.root, { recursive: true });
    const tmp = join(this.root, `.tmp-${id}-${process.pid}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(join(tmp, 'adapters'), { recursive: true });
      const e = state.embeddings;
      await writeFile(join(tmp, 'e_tgt.f32'), f32Bytes(e.target));
      await writeFile(join(tmp, 'e_opt.f32'), f32Bytes(e.optimized));
      await writeFile(join(tmp, 'e_empty.f32'), f32Bytes(e.empty));
      const adapters = [];
      for (const [i, a] of state.adapters.entries()) {
        const file = (part: 'down' | 'up') => `adapters/${String(i).padStart(4, '0')}-${part}.f32`;
        for (const part of ['down', 'up'] as const) {
          const values =
            state.adapterValues.get(a[part].name) ?? fail('INTERNAL', `no trained value for adapter ${a[part].name}`);
          await writeFile(join(tmp, file(part)), f32Bytes(values));
        }
        adapters.push({
          node: a.node,
          kind: a.kind,
          scale: a.scale,
          down: { ...a.down, dims: [...a.down.dims], file: file('down') },
          up: { ...a.up, dims: [...a.up.dims], file: file('up') },
        });
      }
      await writeFile(join(tmp, INPUT_IMAGE), await encodePng(state.image.rgba, state.image.width, state.image.height));
      const manifest: EditManifest = {
        ...manifestBase,
        files: { e_tgt: 'e_tgt.f32', e_opt: 'e_opt.f32', e_empty: 'e_empty.f32', input: INPUT_IMAGE },
        adapters,
      };
      await writeFile(join(tmp, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
      await rm(final, { recursive: true, force: true });
      await rename(tmp, final);
      await this.evictAsync(id);
      return manifest;
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Keeps the first images of a render as the edit's latest results (replacing the previous ones), written into a
   * temporary folder and renamed into place. The edit must exist.
   */
  async saveOutputsAsync(
    id: string,
    images: readonly { eta: number; seed: number; width: number; height: number; rgba: Uint8Array }[],
    sampling: SampleSettings,
  ): Promise<void> {
    const dir = this.dirOf(id);
    await this.readManifestAsync(id);
    const tmp = join(dir, `.tmp-${OUTPUTS}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(tmp);
      const kept = images.slice(0, MAX_SAVED_OUTPUTS);
      for (const [i, img] of kept.entries())
        await writeFile(join(tmp, `${i}.png`), await encodePng(img.rgba, img.width, img.height));
      const results: SavedResults = {
        sampling,
        outputs: kept.map((img, index) => ({ index, eta: img.eta, seed: img.seed })),
      };
      await writeFile(join(tmp, OUTPUTS_INDEX), JSON.stringify(results));
      await rm(join(dir, OUTPUTS), { recursive: true, force: true });
      await rename(tmp, join(dir, OUTPUTS));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** The edit's latest results; null before its first render finished (or when their index is damaged). */
  async latestResultsAsync(id: string): Promise<SavedResults | null> {
    let text: string;
    try {
      text = await readFile(join(this.dirOf(id), OUTPUTS, OUTPUTS_INDEX), 'utf8');
    } catch {
      return null;
    }
    try {
      const parsed = savedResultsSchema.safeParse(JSON.parse(text));
      return parsed.success ? (parsed.data as SavedResults) : null;
    } catch {
      return null;
    }
  }

  /** The PNG of one of the latest results. */
  async outputPngAsync(id: string, index: number): Promise<Uint8Array> {
    if (!(await this.latestResultsAsync(id))?.outputs.some((o) => o.index === index))
      fail('EDIT_NOT_FOUND', `edit ${id} has no result ${index}`);
    return readFile(join(this.dirOf(id), OUTPUTS, `${index}.png`));
  }

  async readManifestAsync(id: string): Promise<EditManifest> {
    const dir = this.dirOf(id);
    let text: string;
    try {
      text = await readFile(join(dir, MANIFEST), 'utf8');
    } catch (err) {
      return fail('EDIT_NOT_FOUND', `no saved edit ${id} in ${this.root}`, err);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return fail('EDIT_STALE', `edit ${id}: manifest.json is not JSON`, err);
    }
    const result = editManifestSchema.safeParse(parsed);
    if (!result.success)
      fail('EDIT_STALE', `edit ${id}: manifest.json is invalid: ${z.prettifyError(result.error).split('\n')[0]}`);
    return result.data!;
  }

  /** The saved state; marks the edit as just used (for eviction). */
  async loadAsync(id: string): Promise<SavedEdit> {
    const manifest = await this.readManifestAsync(id);
    const dir = this.dirOf(id);
    const n = numel(manifest.embeddings_dims);
    const [target, optimized, empty] = await Promise.all(
      [manifest.files.e_tgt, manifest.files.e_opt, manifest.files.e_empty].map((f) => readF32(join(dir, f), n)),
    );
    const adapterValues = new Map<string, Float32Array>();
    for (const a of manifest.adapters) {
      for (const part of [a.down, a.up])
        adapterValues.set(part.name, await readF32(join(dir, part.file), numel(part.dims)));
    }
    const image = await decodeImage(await readFile(join(dir, manifest.files.input)), { maxPixels: MAX_SAVED_PIXELS });
    const { embedLrSchedule, ...saved } = manifest.train;
    const state: TrainedState = {
      modelId: manifest.model.id,
      ...(manifest.subject ? { subject: manifest.subject } : {}),
      prompt: manifest.prompt,
      train: {
        ...saved,
        tuneLrSchedule: saved.tuneLrSchedule ?? 'constant',
        ...(embedLrSchedule ? { embedLrSchedule } : {}),
      },
      embeddings: { target: target!, optimized: optimized!, empty: empty! },
      adapterSpec: manifest.adapter_spec,
      adapters: manifest.adapters.map((a) => ({
        node: a.node,
        kind: a.kind,
        scale: a.scale,
        down: { name: a.down.name, dims: a.down.dims },
        up: { name: a.up.name, dims: a.up.dims },
      })),
      adapterValues,
      image: { width: image.width, height: image.height, rgba: image.rgba },
      placement: manifest.placement,
      losses: manifest.losses,
    };
    await this.touchAsync(id, manifest);
    return { manifest, state };
  }

  private async touchAsync(id: string, manifest: EditManifest): Promise<void> {
    const file = join(this.dirOf(id), MANIFEST);
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, `${JSON.stringify({ ...manifest, used_at: new Date().toISOString() }, null, 1)}\n`);
    await rename(tmp, file);
  }

  /** Saved edits, most recently used first; folders without a readable manifest are skipped. */
  async listAsync(): Promise<EditListing[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) =>
      err.code === 'ENOENT' ? [] : Promise.reject(err),
    );
    const out: EditListing[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || !EDIT_ID.test(entry.name)) continue;
      const manifest = await this.readManifestAsync(entry.name).catch(() => undefined);
      if (manifest) out.push({ id: entry.name, manifest, bytes: await folderBytes(join(this.root, entry.name)) });
    }
    return out.sort((a, b) => b.manifest.used_at.localeCompare(a.manifest.used_at));
  }

  async deleteAsync(id: string): Promise<void> {
    await this.readManifestAsync(id);
    await rm(this.dirOf(id), { recursive: true, force: true });
  }

  /** Deletes least recently used edits until the total is within the cap; `keep` is never deleted. */
  async evictAsync(keep?: string): Promise<string[]> {
    const edits = await this.listAsync();
    let total = edits.reduce((s, e) => s + e.bytes, 0);
    const evicted: string[] = [];
    for (const edit of [...edits].reverse()) {
      if (total <= this.maxBytes) break;
      if (edit.id === keep) continue;
      await rm(join(this.root, edit.id), { recursive: true, force: true });
      total -= edit.bytes;
      evicted.push(edit.id);
    }
    return evicted;
  }
}
