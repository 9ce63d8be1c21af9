// One daemon per data folder. Opening the job journal fails the jobs the previous daemon left running (a crash), so a
// second `imagic serve` on the same folder must stop before it: it used to rewrite the first one's running job as
// interrupted, then fail with PORT_IN_USE. The lock is a file created exclusively, naming its process; a lock whose
// process is gone (a crash, kill -9) is taken over.
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ImagicError } from '../errors.ts';

export const LOCK_FILE = 'daemon.lock';

interface LockContent {
  readonly pid: number;
  readonly startedAt: string;
}

export interface DataDirLock {
  releaseAsync(): Promise<void>;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return err instanceof Error && 'code' in err && err.code === 'EPERM';
  }
};

async function holderAsync(file: string): Promise<LockContent | null> {
  try {
    const content = JSON.parse(await readFile(file, 'utf8')) as Partial<LockContent>;
    return typeof content.pid === 'number' ? { pid: content.pid, startedAt: String(content.startedAt ?? '?') } : null;
  } catch {
    return null; // unreadable or half-written: treated as stale
  }
}

/** Takes the data folder for this process; DATA_DIR_IN_USE when a live daemon holds it. */
export async function lockDataDirAsync(dataDir: string): Promise<DataDirLock> {
  const file = join(dataDir, LOCK_FILE);
  const content: LockContent = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${JSON.stringify(content)}\n`);
      await handle.close();
      return {
        async releaseAsync() {
          const holder = await holderAsync(file);
          if (holder?.pid === process.pid && holder.startedAt === content.startedAt)
            await unlink(file).catch(() => undefined);
        },
      };
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
      const holder = await holderAsync(file);
      if (holder && alive(holder.pid)) {
        throw new ImagicError(
          'DATA_DIR_IN_USE',
          `${dataDir} is in use by imagic serve (process ${holder.pid}, started ${holder.startedAt})`,
        );
      }
      await unlink(file).catch(() => undefined);
    }
  }
  throw new ImagicError(
    'DATA_DIR_IN_USE',
    `${dataDir} is being taken by another imagic serve starting at the same time`,
  );
}
