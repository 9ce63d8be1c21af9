// One file of a model download, resumable: bytes go to <dest>.part, appended from where an earlier attempt
// stopped (the caller's blob is asked only for the missing range, an HTTP Range request), hashed on the way, and
// renamed to <dest> only when the size and hash match the listing. An interrupted download keeps its .part file;
// one with a wrong hash is deleted (INTEGRITY_FAILED).
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fail, ImagicError } from '../errors.ts';
import type { PlannedFile } from './hub-plan.ts';

export type FileDownload = {
  file: PlannedFile;
  dest: string;
  /** The file's bytes as a Blob whose slices fetch ranges (downloadFile's WebBlob). */
  openBlob: () => Promise<Blob>;
  onBytes: (count: number) => void;
};

export type FileOutcome = 'complete' | 'resumed' | 'downloaded';

const sizeOf = async (file: string): Promise<number | undefined> => (await stat(file).catch(() => undefined))?.size;

/** SHA-256 for LFS files; git's blob SHA-1 for regular files; nothing to check without either. */
function hasherOf(file: PlannedFile): { hash: Hash; expected: string } | undefined {
  if (file.sha256) return { hash: createHash('sha256'), expected: file.sha256 };
  if (file.gitOid) return { hash: createHash('sha1').update(`blob ${file.size}\0`), expected: file.gitOid };
  return undefined;
}

async function hashExistingAsync(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

export async function downloadFileAsync({ file, dest, openBlob, onBytes }: FileDownload): Promise<FileOutcome> {
  if ((await sizeOf(dest)) === file.size) {
    onBytes(file.size);
    return 'complete';
  }
  await mkdir(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let offset = (await sizeOf(part)) ?? 0;
  if (offset > file.size) {
    await rm(part, { force: true });
    offset = 0;
  }
  const check = hasherOf(file);
  if (check && offset > 0) await hashExistingAsync(part, check.hash);
  onBytes(offset);

  const blob = await openBlob();
  if (blob.size !== file.size) fail('INTEGRITY_FAILED', `${file.path}: the hub serves ${blob.size} bytes, its listing says ${file.size}`);
  const handle = await open(part, 'a');
  let written = offset;
  try {
    if (offset < file.size) {
      for await (const chunk of (offset > 0 ? blob.slice(offset) : blob).stream()) {
        await handle.write(chunk);
        check?.hash.update(chunk);
        written += chunk.length;
        onBytes(chunk.length);
      }
    }
  } catch (err) {
    if (err instanceof ImagicError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    return fail('DOWNLOAD_FAILED', `${file.path} stopped after ${written} of ${file.size} bytes (${reason}); run the same command again to resume`, err);
  } finally {
    await handle.close();
  }
  if (written !== file.size) fail('DOWNLOAD_FAILED', `${file.path} ended after ${written} of ${file.size} bytes; run the same command again to resume`);
  const actual = check?.hash.digest('hex');
  if (check && actual !== check.expected) {
    await rm(part, { force: true });
    fail('INTEGRITY_FAILED', `${file.path} hashes to ${actual}, the hub lists ${check.expected}; the file was deleted`);
  }
  await rename(part, dest);
  return offset > 0 ? 'resumed' : 'downloaded';
}
