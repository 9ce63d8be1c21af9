// Writes that a crash cannot leave half done: the bytes go to a temporary file beside the target and are then
// renamed over it (rename is atomic within one folder on every OS we support). A reader sees the old file or the
// new one, never a mix; a kill -9 at any point leaves at most a `.tmp-*` file, which `removeTempFilesAsync` clears
// at the next start. `durable` also flushes the file to the disk before the rename, so it survives a power loss
// too; that costs a disk flush (tens of ms on a busy disk), so it is kept for records whose loss would matter.
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

const TEMP_MARK = '.tmp-';

export async function writeFileAtomicAsync(
  file: string,
  data: Uint8Array | string,
  { durable = true } = {},
): Promise<void> {
  const temp = `${file}${TEMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/** Deletes leftovers of interrupted atomic writes in `dir` (not recursive); returns how many it removed. */
export async function removeTempFilesAsync(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) =>
    err.code === 'ENOENT' ? [] : Promise.reject(err),
  );
  let removed = 0;
  for (const entry of entries) {
    if (!entry.name.includes(TEMP_MARK)) continue;
    await rm(path.join(dir, entry.name), { recursive: true, force: true });
    removed++;
  }
  return removed;
}
