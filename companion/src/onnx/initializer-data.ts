// An initializer's bytes, inline or from its external data file (ExternalRef: a byte range of a file beside the
// model). Only the tensor's own range is read: an SD export keeps every weight in one file of gigabytes.
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { fail } from '../errors.ts';
import type { Initializer, Model } from '../graph/ir.ts';

const inline = (init: Initializer): Uint8Array | undefined => {
  const d = init.data?.data;
  return d && new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
};

const rangeOf = (model: Model, init: Initializer) => {
  const ext = init.external ?? fail('MODEL_INVALID', `the initializer '${init.name}' has no data`);
  return { ...ext, path: join(model.baseDir, ext.location) };
};

const short = (init: Initializer, location: string) =>
  fail('MODEL_INVALID', `the external data of '${init.name}' runs past the end of ${location}`);

/** `init`'s bytes (a view of inline data, else a copy of its external range). */
export async function initializerBytesAsync(model: Model, init: Initializer): Promise<Uint8Array> {
  const own = inline(init);
  if (own) return own;
  const range = rangeOf(model, init);
  const bytes = new Uint8Array(range.length);
  const file = await open(range.path, 'r');
  try {
    let done = 0;
    while (done < range.length) {
      const { bytesRead } = await file.read(bytes, done, range.length - done, range.offset + done);
      if (bytesRead === 0) short(init, range.location);
      done += bytesRead;
    }
  } finally {
    await file.close();
  }
  return bytes;
}

/** The same, synchronously: for a graph rewrite that runs where no await can (a package view's lazy UNet). */
export function initializerBytes(model: Model, init: Initializer): Uint8Array {
  const own = inline(init);
  if (own) return own;
  const range = rangeOf(model, init);
  const bytes = new Uint8Array(range.length);
  const fd = openSync(range.path, 'r');
  try {
    let done = 0;
    while (done < range.length) {
      const n = readSync(fd, bytes, done, range.length - done, range.offset + done);
      if (n === 0) short(init, range.location);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}
