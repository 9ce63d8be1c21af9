// Identifiers. Jobs, edits and uploaded images are named by 16 random bytes, written as 32 lowercase hex
// characters in JSON and as raw bytes in binary frame headers; request ids are chosen freely by the client.
import * as z from 'zod';

export const ID_BYTES = 16;

/** 16 bytes as 32 lowercase hex characters: the id of a job, an edit or an uploaded image. */
export const HexId = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters (16 bytes)');
export type HexId = z.infer<typeof HexId>;

/** The client's correlation id for one request; replies echo it. */
export const RequestId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'may contain only letters, digits and . _ : -');
export type RequestId = z.infer<typeof RequestId>;

export const hexIdFromBytes = (bytes: Uint8Array): HexId => {
  if (bytes.length !== ID_BYTES) throw new RangeError(`an id is ${ID_BYTES} bytes, got ${bytes.length}`);
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
};

/** Inverse of hexIdFromBytes; returns null for anything that is not a HexId. */
export const bytesFromHexId = (id: string): Uint8Array | null => {
  if (!HexId.safeParse(id).success) return null;
  const bytes = new Uint8Array(ID_BYTES);
  for (let i = 0; i < ID_BYTES; i++) bytes[i] = Number.parseInt(id.slice(2 * i, 2 * i + 2), 16);
  return bytes;
};
