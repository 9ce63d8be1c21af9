// 16 random bytes as 32 hex characters: the id of an upload frame. Not a secret, only unique per connection.

export function randomHexId(): string {
  const bytes = new Uint8Array(16);
  if (globalThis.crypto?.getRandomValues !== undefined) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Where "4 random seeds" starts: below 100 000, so seeds stay easy to read and type again. */
export const randomSeed = (): number => Math.floor(Math.random() * 100_000);
