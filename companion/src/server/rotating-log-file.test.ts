import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RotatingLogFile } from './rotating-log-file.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'imagic-log-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('RotatingLogFile', () => {
  it('rotates before passing maxBytes and keeps only keepFiles old files', async () => {
    const log = new RotatingLogFile({ dir, maxBytes: 1024, keepFiles: 2 });
    for (let i = 0; i < 100; i++) log.write(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`);
    log.close();
    expect((await readdir(dir)).sort()).toEqual(['companion.log', 'companion.log.1', 'companion.log.2']);
    for (const name of await readdir(dir))
      expect((await readFile(path.join(dir, name))).length).toBeLessThanOrEqual(1024);
    expect(await readFile(path.join(dir, 'companion.log'), 'utf8')).toContain('line 099');
  });

  it('appends to an existing log across restarts', async () => {
    new RotatingLogFile({ dir }).write('first run');
    const again = new RotatingLogFile({ dir });
    again.write('second run');
    again.close();
    expect(await readFile(path.join(dir, 'companion.log'), 'utf8')).toBe('first run\nsecond run\n');
  });
});
