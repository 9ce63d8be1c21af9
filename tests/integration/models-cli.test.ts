// `imagic models` through the real bin: list, add (with layout validation), download from a local fake hub with a
// resume after an interrupted transfer and a hash check, default and remove.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyPackage } from '../../companion/src/fixtures/tiny-package.ts';
import { runCli, type CliResult } from '../cli/run-cli.ts';
import { startFakeHubAsync } from './support/fake-hub.ts';

/** Each test spawns the CLI or the daemon (a Node process with tsx, 1–2 s to start) a few times. */
const CLI_TIMEOUT_MS = 60_000;

let root: string;
let dataDir: string;
let tinyDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'imagic-models-'));
  dataDir = path.join(root, 'data');
  tinyDir = (await writeTinyPackage(path.join(root, 'tiny'))).dir;
});
afterAll(async () => rm(root, { recursive: true, force: true }));

const models = (...args: string[]) =>
  runCli(['models', ...args, '--data-dir', dataDir], { IMAGIC_DATA_DIR: '', HF_ENDPOINT: '' });

/** Non-zero exit, one stderr line starting with the code. */
function expectCoded(result: CliResult, code: string) {
  expect(result.code).not.toBe(0);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(new RegExp(`^${code}: `));
}

describe('imagic models', { timeout: CLI_TIMEOUT_MS }, () => {
  it('lists nothing and the folder on a fresh data dir', async () => {
    const result = await models('list');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No model installed');
    expect(result.stdout).toContain(`Models folder: ${path.join(dataDir, 'models')}`);
  });

  it('adds a valid package, refuses it twice, and refuses incomplete or missing folders with coded errors', async () => {
    const added = await models('add', tinyDir);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added model tiny \([\d.]+ MB\)/);
    expect((await models('list')).stdout).toMatch(/^\* tiny {2}[\d.]+ MB {2}folder:/m);
    expectCoded(await models('add', tinyDir), 'MODEL_EXISTS');

    const broken = path.join(root, 'broken');
    await cp(tinyDir, broken, { recursive: true });
    await rm(path.join(broken, 'unet', 'model.onnx'));
    const incomplete = await models('add', broken);
    expectCoded(incomplete, 'MODEL_INCOMPLETE');
    expect(incomplete.stderr).toContain('unet/model.onnx');
    expectCoded(await models('add', path.join(root, 'nowhere')), 'FILE_NOT_FOUND');
    expect(existsSync(path.join(dataDir, 'models', 'broken'))).toBe(false);
  });

  it('downloads from the hub, resuming a cut transfer with a Range request, and skips non-ONNX weights', async () => {
    const hub = await startFakeHubAsync(tinyDir, {
      repo: 'test-org/tiny-onnx',
      cutOnce: 'unet/model.onnx',
      extraFiles: { 'unet/diffusion_pytorch_model.safetensors': 'not needed', 'README.md': '# tiny' },
    });
    try {
      const first = await models('download', 'test-org/tiny-onnx', '--hub-url', hub.url, '--name', 'hubtiny');
      expectCoded(first, 'DOWNLOAD_FAILED');
      expect(first.stderr).toContain('run the same command again to resume');
      const part = path.join(dataDir, 'models', '.partial-hubtiny', 'unet', 'model.onnx.part');
      const partial = (await stat(part)).size;
      expect(partial).toBeGreaterThan(0);

      const second = await models('download', 'test-org/tiny-onnx', '--hub-url', hub.url, '--name', 'hubtiny');
      expect(second.stderr).toBe('');
      expect(second.stdout).toMatch(/Installed model hubtiny .* 1 resumed/);
      expect(hub.requests).toContainEqual({
        path: 'unet/model.onnx',
        range: `bytes=${partial}-${(await stat(path.join(tinyDir, 'unet', 'model.onnx'))).size - 1}`,
      });
      expect(hub.requests.some((r) => r.path.endsWith('.safetensors') || r.path === 'README.md')).toBe(false);
      const installed = path.join(dataDir, 'models', 'hubtiny');
      for (const file of ['unet/model.onnx', 'vae_decoder/model.onnx', 'tokenizer/vocab.json', 'model_index.json']) {
        expect(
          Buffer.compare(await readFile(path.join(installed, file)), await readFile(path.join(tinyDir, file))),
        ).toBe(0);
      }
      expect(existsSync(path.join(dataDir, 'models', '.partial-hubtiny'))).toBe(false);
      expect((await models('list')).stdout).toContain('hubtiny');
      expect((await models('list')).stdout).toContain('hub:test-org/tiny-onnx@main');
    } finally {
      await hub.closeAsync();
    }
  });

  it('deletes a file whose SHA-256 does not match the listing (INTEGRITY_FAILED)', async () => {
    const hub = await startFakeHubAsync(tinyDir, { repo: 'test-org/bad', corrupt: 'vae_encoder/model.onnx' });
    try {
      const result = await models('download', 'test-org/bad', '--hub-url', hub.url);
      expectCoded(result, 'INTEGRITY_FAILED');
      expect(existsSync(path.join(dataDir, 'models', '.partial-bad', 'vae_encoder', 'model.onnx.part'))).toBe(false);
      expect(existsSync(path.join(dataDir, 'models', 'bad'))).toBe(false);
    } finally {
      await hub.closeAsync();
    }
  });

  it('sets the default (persisted in config.json) and removes models', async () => {
    expect((await models('default', 'hubtiny')).stdout).toContain('Default model: hubtiny');
    expect(JSON.parse(await readFile(path.join(dataDir, 'config.json'), 'utf8'))).toMatchObject({
      defaultModel: 'hubtiny',
    });
    expect((await models('list')).stdout).toMatch(/^\* hubtiny/m);
    expectCoded(await models('default', 'nope'), 'MODEL_NOT_FOUND');
    expectCoded(await models('default', '../escape'), 'INVALID_SPEC');
    expect((await models('remove', 'hubtiny')).code).toBe(0);
    expect((await models('list')).stdout).toMatch(/^\* tiny/m);
    expect(JSON.parse(await readFile(path.join(dataDir, 'config.json'), 'utf8'))).not.toHaveProperty('defaultModel');
    expectCoded(await models('remove', 'hubtiny'), 'MODEL_NOT_FOUND');
  });
});
