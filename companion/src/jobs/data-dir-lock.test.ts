import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_FILE, lockDataDirAsync } from './data-dir-lock.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagic-lock-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('lockDataDirAsync', () => {
  it('lets one holder in, refuses the next while it lives, and frees the folder on release', async () => {
    const lock = await lockDataDirAsync(dir);
    await expect(lockDataDirAsync(dir)).rejects.toMatchObject({ code: 'DATA_DIR_IN_USE' });
    await lock.releaseAsync();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await (await lockDataDirAsync(dir)).releaseAsync();
  });

  it('takes over a lock whose process is gone (a crash), and a damaged one', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: gone, startedAt: 'then' }));
    const lock = await lockDataDirAsync(dir);
    await lock.releaseAsync();
    await writeFile(join(dir, LOCK_FILE), '{"pid":');
    await (await lockDataDirAsync(dir)).releaseAsync();
  });
});
