// The default-model rule with bundled models (bundled-models.ts): configured → first installed → first bundled.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUNDLED_MODELS_ENV } from './bundled-models.ts';
import { defaultModelAsync, listModelsAsync, modelsDir, removeModelAsync, setDefaultModelAsync } from './model-store.ts';

let root: string;
let dataDir: string;
let bundledDir: string;

async function fakePackage(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model_index.json'), '{}\n');
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagic-store-'));
  dataDir = join(root, 'data');
  bundledDir = join(root, 'bundled');
  await fakePackage(join(bundledDir, 'demo'));
  await mkdir(join(bundledDir, 'not-a-package'), { recursive: true });
  process.env[BUNDLED_MODELS_ENV] = bundledDir;
});
afterEach(async () => {
  process.env[BUNDLED_MODELS_ENV] = '';
  await rm(root, { recursive: true, force: true });
});

describe('bundled models', () => {
  it('make the bundled demo the default when nothing is installed, listed as bundled', async () => {
    expect(await defaultModelAsync(dataDir)).toEqual({ id: 'demo', dir: join(bundledDir, 'demo'), bundled: true });
    const list = await listModelsAsync(dataDir);
    expect(list.map((m) => [m.modelId, m.isDefault])).toEqual([['demo', true]]);
    expect(list[0]!.source).toContain('bundled');
  });

  it('give way to an installed model, unless the user chose the bundled one', async () => {
    await fakePackage(join(modelsDir(dataDir), 'sd15'));
    expect((await defaultModelAsync(dataDir))?.id).toBe('sd15');
    await setDefaultModelAsync(dataDir, 'demo');
    expect((await defaultModelAsync(dataDir))?.dir).toBe(join(bundledDir, 'demo'));
    expect((await listModelsAsync(dataDir)).map((m) => [m.modelId, m.isDefault])).toEqual([['sd15', false], ['demo', true]]);
  });

  it('are hidden by an installed model of the same id, and cannot be removed', async () => {
    await expect(removeModelAsync(dataDir, 'demo')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', message: expect.stringContaining('ships with the companion') });
    await fakePackage(join(modelsDir(dataDir), 'demo'));
    expect(await defaultModelAsync(dataDir)).toMatchObject({ dir: join(modelsDir(dataDir), 'demo'), bundled: false });
    expect((await listModelsAsync(dataDir)).map((m) => m.modelId)).toEqual(['demo']);
  });

  it('can be switched off (IMAGIC_BUNDLED_MODELS=""), leaving no model at all', async () => {
    process.env[BUNDLED_MODELS_ENV] = '';
    expect(await defaultModelAsync(dataDir)).toBeNull();
    await expect(setDefaultModelAsync(dataDir, 'demo')).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});
