// Refuses to start a download that cannot fit: free space on the target's disk (fs.statfs) against what is
// still to be fetched, plus a margin for the filesystem's own overhead.
import { statfs } from 'node:fs/promises';
import { fail } from '../errors.ts';

export type StatFs = (dir: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;

const MARGIN = 1.05;
const GiB = 1024 ** 3;

export async function checkDiskSpaceAsync(dir: string, neededBytes: number, statFs: StatFs = statfs): Promise<{ freeBytes: number }> {
  const stats = await statFs(dir);
  const freeBytes = Number(stats.bavail) * Number(stats.bsize);
  if (freeBytes < neededBytes * MARGIN)
    fail('DISK_FULL', `${(neededBytes / GiB).toFixed(2)} GiB still to download, ${(freeBytes / GiB).toFixed(2)} GiB free on the disk of ${dir}`);
  return { freeBytes };
}
