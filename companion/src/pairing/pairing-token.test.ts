import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImagicError } from '../errors.ts';
import { loadOrCreatePairingTokenAsync, pairingTokenPath, tokensMatch } from './pairing-token.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'imagic-pair-')), 'nested', 'data');
});
afterEach(async () => rm(path.dirname(path.dirname(dataDir)), { recursive: true, force: true }));

describe('loadOrCreatePairingTokenAsync', () => {
  it('creates a 43-character base64url code in a new data dir and returns the same code afterwards', async () => {
    const token = await loadOrCreatePairingTokenAsync(dataDir);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await loadOrCreatePairingTokenAsync(dataDir)).toBe(token);
    expect((await readFile(pairingTokenPath(dataDir), 'utf8')).trim()).toBe(token);
  });

  it.skipIf(process.platform === 'win32')(
    'stores the code readable by the owner only, and repairs a wider mode',
    async () => {
      await loadOrCreatePairingTokenAsync(dataDir);
      expect((await stat(pairingTokenPath(dataDir))).mode & 0o777).toBe(0o600);
      await writeFile(pairingTokenPath(dataDir), 'A'.repeat(43), { mode: 0o644 });
      await loadOrCreatePairingTokenAsync(dataDir);
      expect((await stat(pairingTokenPath(dataDir))).mode & 0o777).toBe(0o600);
    },
  );

  it('replaces the code on reset', async () => {
    const first = await loadOrCreatePairingTokenAsync(dataDir);
    const second = await loadOrCreatePairingTokenAsync(dataDir, { reset: true });
    expect(second).not.toBe(first);
    expect(await loadOrCreatePairingTokenAsync(dataDir)).toBe(second);
  });

  it('refuses a corrupt file with PAIRING_FAILED instead of accepting it as a code', async () => {
    await loadOrCreatePairingTokenAsync(dataDir);
    await writeFile(pairingTokenPath(dataDir), 'not a token!');
    await expect(loadOrCreatePairingTokenAsync(dataDir)).rejects.toMatchObject({ code: 'PAIRING_FAILED' });
    await expect(loadOrCreatePairingTokenAsync(dataDir)).rejects.toBeInstanceOf(ImagicError);
  });
});

describe('tokensMatch', () => {
  it('matches equal codes only, whatever the lengths', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abc', 'abd')).toBe(false);
    expect(tokensMatch('abc', 'abcd')).toBe(false);
    expect(tokensMatch('abc', '')).toBe(false);
  });
});
