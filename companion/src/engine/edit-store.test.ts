// Saved edits on disk: a round trip is exact, ids are validated, damaged manifests are EDIT_STALE, the listing is
// most-recently-used first, and the size cap evicts the least recently used edits but never the one just saved.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AdapterInfo } from '../autodiff/adapters.ts';
import { Rng } from '../util/rng.ts';
import { checkEditModelAsync, EDIT_MANIFEST_VERSION, type EditManifest } from './edit-manifest.ts';
import { EditStore, newEditId } from './edit-store.ts';
import type { TrainedState } from './imagic-engine.ts';
import { PRESETS } from './settings.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'imagic-edits-'));
});
afterEach(async () => rm(dataDir, { recursive: true, force: true }));

function fakeState(seed: number): TrainedState {
  const rng = new Rng(seed);
  const adapters: AdapterInfo[] = [
    {
      node: '/attn1/to_q/MatMul',
      kind: 'lora',
      scale: 1,
      down: { name: 'lora::attn1/to_q/MatMul::down', dims: [32, 4] },
      up: { name: 'lora::attn1/to_q/MatMul::up', dims: [4, 32] },
    },
  ];
  const rgba = new Uint8Array(16 * 8 * 4).map((_, i) => (i * 37) % 256);
  return {
    modelId: 'tiny@000000000000',
    prompt: 'a photo of a cat',
    train: { ...PRESETS.fast.train, seed },
    embeddings: { target: rng.normalArray(8 * 32), optimized: rng.normalArray(8 * 32), empty: rng.normalArray(8 * 32) },
    adapterSpec: { targets: ['/attn[12]/to_q/MatMul$'], rank: 4, alpha: 4 },
    adapters,
    adapterValues: new Map([
      [adapters[0]!.down.name, rng.normalArray(128)],
      [adapters[0]!.up.name, rng.normalArray(128)],
    ]),
    image: { width: 16, height: 8, rgba },
    placement: {
      canvas: { width: 64, height: 64 },
      left: 0,
      top: 16,
      width: 64,
      height: 32,
      background: { r: 128, g: 128, b: 128 },
    },
    losses: { embed: [1, 0.9], finetune: [0.8, 0.5] },
  };
}

function manifestBase(
  id: string,
  state: TrainedState,
  usedAt = new Date().toISOString(),
): Omit<EditManifest, 'files' | 'adapters'> {
  return {
    version: EDIT_MANIFEST_VERSION,
    edit_id: id,
    model: { id: state.modelId, dir: '/models/tiny' },
    prompt: state.prompt,
    preset: 'fast',
    train: { ...state.train, adapterTargets: [...state.train.adapterTargets] },
    sample: { etas: [0.7], seeds: [1], steps: 10, guidanceScale: 3, sampler: 'ddim' },
    input: { sha256: 'a'.repeat(64), width: 16, height: 8 },
    placement: state.placement,
    adapter_spec: { ...state.adapterSpec, targets: [...state.adapterSpec.targets] },
    embeddings_dims: [1, 8, 32],
    losses: { embed: [...state.losses.embed], finetune: [...state.losses.finetune] },
    final_loss: { embed: 0.9, finetune: 0.5 },
    created_at: usedAt,
    used_at: usedAt,
  };
}

describe('EditStore', () => {
  it('saves and loads an edit exactly, leaving no temporary folder', async () => {
    const store = new EditStore(dataDir);
    const id = newEditId();
    const state = fakeState(1);
    await store.saveAsync(id, manifestBase(id, state), state);
    const { manifest, state: loaded } = await store.loadAsync(id);
    expect(manifest.edit_id).toBe(id);
    expect(loaded.embeddings).toEqual(state.embeddings);
    expect(loaded.adapterValues).toEqual(state.adapterValues);
    expect(loaded.adapters).toEqual(state.adapters);
    expect(loaded.image).toEqual(state.image);
    expect(loaded.placement).toEqual(state.placement);
    expect(await readdir(store.root)).toEqual([id]);
  });

  it('answers EDIT_NOT_FOUND for unknown or malformed ids', async () => {
    const store = new EditStore(dataDir);
    await expect(store.loadAsync('0'.repeat(32))).rejects.toMatchObject({ code: 'EDIT_NOT_FOUND' });
    await expect(store.loadAsync('../../etc')).rejects.toMatchObject({ code: 'EDIT_NOT_FOUND' });
    await expect(store.deleteAsync('f'.repeat(32))).rejects.toMatchObject({ code: 'EDIT_NOT_FOUND' });
  });

  it('answers EDIT_STALE for a damaged manifest or a truncated tensor file', async () => {
    const store = new EditStore(dataDir);
    const id = newEditId();
    const state = fakeState(2);
    await store.saveAsync(id, manifestBase(id, state), state);
    await writeFile(join(store.root, id, 'e_opt.f32'), new Uint8Array(12));
    await expect(store.loadAsync(id)).rejects.toMatchObject({ code: 'EDIT_STALE' });
    await writeFile(join(store.root, id, 'manifest.json'), '{"version": 1, "files": {"e_tgt": "../../secret.f32"}}');
    await expect(store.loadAsync(id)).rejects.toMatchObject({ code: 'EDIT_STALE' });
  });

  it('lists most recently used first and deletes', async () => {
    const store = new EditStore(dataDir);
    const [a, b] = [newEditId(), newEditId()];
    await store.saveAsync(a, manifestBase(a, fakeState(3), '2025-01-01T00:00:00.000Z'), fakeState(3));
    await store.saveAsync(b, manifestBase(b, fakeState(4), '2025-01-02T00:00:00.000Z'), fakeState(4));
    expect((await store.listAsync()).map((e) => e.id)).toEqual([b, a]);
    await store.loadAsync(a);
    expect((await store.listAsync()).map((e) => e.id)).toEqual([a, b]);
    await store.deleteAsync(a);
    expect((await store.listAsync()).map((e) => e.id)).toEqual([b]);
  });

  it('evicts the least recently used edits over the size cap, never the new one', async () => {
    const probe = new EditStore(dataDir);
    const first = newEditId();
    await probe.saveAsync(first, manifestBase(first, fakeState(5), '2025-01-01T00:00:00.000Z'), fakeState(5));
    const size = (await probe.listAsync())[0]!.bytes;
    const store = new EditStore(dataDir, Math.floor(size * 2.5));
    const ids = [first];
    for (let i = 0; i < 3; i++) {
      const id = newEditId();
      await store.saveAsync(
        id,
        manifestBase(id, fakeState(6 + i), `2025-01-0${2 + i}T00:00:00.000Z`),
        fakeState(6 + i),
      );
      ids.push(id);
    }
    expect((await store.listAsync()).map((e) => e.id).sort()).toEqual([ids[2]!, ids[3]!].sort());
    // A cap smaller than one edit still keeps the edit just saved.
    const tiny = new EditStore(dataDir, 1);
    const last = newEditId();
    await tiny.saveAsync(last, manifestBase(last, fakeState(9)), fakeState(9));
    expect((await tiny.listAsync()).map((e) => e.id)).toEqual([last]);
  });

  it("keeps the latest render's first eight images as the edit's results, with their sampling, replacing the previous ones", async () => {
    const store = new EditStore(dataDir);
    const id = newEditId();
    const state = fakeState(4);
    await store.saveAsync(id, manifestBase(id, state), state);
    expect(await store.latestResultsAsync(id)).toBeNull();
    const image = (eta: number, seed: number, shade: number) => ({
      eta,
      seed,
      width: 4,
      height: 2,
      rgba: new Uint8Array(32).fill(shade),
    });
    const sampling = { ...PRESETS.fast.sample, etas: [0.7, 0.8], seeds: [1] };
    await store.saveOutputsAsync(id, [image(0.7, 1, 10), image(0.8, 1, 20)], sampling);
    expect(await store.latestResultsAsync(id)).toEqual({
      sampling,
      outputs: [
        { index: 0, eta: 0.7, seed: 1 },
        { index: 1, eta: 0.8, seed: 1 },
      ],
    });
    const many = Array.from({ length: 12 }, (_, i) => image(1, i, i));
    await store.saveOutputsAsync(id, many, { ...sampling, etas: [1], seeds: many.map((m) => m.seed) });
    const listed = await store.latestResultsAsync(id);
    expect(listed?.outputs.map((o) => o.seed)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const png = await store.outputPngAsync(id, 3);
    expect(Array.from(png.subarray(1, 4), (c) => String.fromCharCode(c)).join('')).toBe('PNG');
    await expect(store.outputPngAsync(id, 8)).rejects.toMatchObject({ code: 'EDIT_NOT_FOUND' });
    expect((await readdir(join(dataDir, 'edits', id))).filter((f) => f.startsWith('.tmp'))).toEqual([]);
    // The edit's own state is untouched; a damaged index is no results.
    expect((await store.loadAsync(id)).state.prompt).toBe(state.prompt);
    await writeFile(join(dataDir, 'edits', id, 'outputs', 'index.json'), '{');
    expect(await store.latestResultsAsync(id)).toBeNull();
    await expect(store.saveOutputsAsync(newEditId(), [image(0, 1, 1)], sampling)).rejects.toMatchObject({
      code: 'EDIT_NOT_FOUND',
    });
  });

  it("says EDIT_STALE when the edit's model is gone, and keeps any other failure to read it as its own error", async () => {
    const store = new EditStore(dataDir);
    const id = newEditId();
    await store.saveAsync(id, manifestBase(id, fakeState(1)), fakeState(1));
    const manifest = await store.readManifestAsync(id);
    await expect(
      checkEditModelAsync({ ...manifest, model: { ...manifest.model, dir: join(dataDir, 'gone') } }),
    ).rejects.toMatchObject({ code: 'EDIT_STALE', message: expect.stringContaining('missing') });
    // A model folder whose model_index.json cannot be read as a file: not a stale edit, a broken model.
    const broken = join(dataDir, 'broken');
    await mkdir(join(broken, 'model_index.json'), { recursive: true });
    await expect(checkEditModelAsync({ ...manifest, model: { ...manifest.model, dir: broken } })).rejects.toMatchObject(
      { code: 'MODEL_INVALID', message: expect.stringContaining('EISDIR') },
    );
  });
});
