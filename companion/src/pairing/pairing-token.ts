// The pairing code: 32 random bytes (base64url) in <data-dir>/pairing-token, readable only by the user. A web page
// can reach localhost and can fake Figma's "null" Origin, so this shared secret is what actually tells the plugin
// apart from an attacker (docs/hosts.md §4).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PairingToken } from '../../../shared/src/protocol/messages.ts';
import { ImagicError } from '../errors.ts';

const FILE_NAME = 'pairing-token';
const TOKEN_BYTES = 32;
const OWNER_ONLY = 0o600;

export const pairingTokenPath = (dataDir: string): string => path.join(dataDir, FILE_NAME);

export const newPairingToken = (): string => randomBytes(TOKEN_BYTES).toString('base64url');

const isErrno = (err: unknown, code: string): boolean => err instanceof Error && 'code' in err && err.code === code;

/** Reads the pairing code, creating it (and the data dir) on first use; with `reset`, replaces it. */
export async function loadOrCreatePairingTokenAsync(dataDir: string, { reset = false } = {}): Promise<string> {
  const file = pairingTokenPath(dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (!reset) {
    try {
      return await readTokenAsync(file);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  const token = newPairingToken();
  // 'wx' fails if another process created the file meanwhile; then its token wins and we read it back.
  try {
    await writeFile(file, `${token}\n`, { mode: OWNER_ONLY, flag: reset ? 'w' : 'wx' });
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return readTokenAsync(file);
    throw err;
  }
  // An existing file keeps its mode on 'w', and umask can narrow a new one; make sure it ends up 0600.
  if (process.platform !== 'win32') await chmod(file, OWNER_ONLY);
  return token;
}

async function readTokenAsync(file: string): Promise<string> {
  const token = (await readFile(file, 'utf8')).trim();
  if (!PairingToken.safeParse(token).success)
    throw new ImagicError(
      'PAIRING_FAILED',
      `${file} does not hold a pairing code; run \`imagic pair --reset\` to make a new one`,
    );
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) await chmod(file, OWNER_ONLY);
  return token;
}

/**
 * Constant-time comparison. Hashing first gives timingSafeEqual the equal-length inputs it requires, without
 * leaking the expected length through an early length check.
 */
export function tokensMatch(expected: string, given: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}
