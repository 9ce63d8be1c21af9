// HostStorage for UXP: the panel's localStorage (per plugin and user). Values are JSON.
import type { HostStorage } from '../main/host/design-host.ts';

export function uxpStorage(storage: Storage = localStorage): HostStorage {
  return {
    async getAsync(key) {
      const raw = storage.getItem(key);
      if (raw === null) return undefined;
      try {
        return JSON.parse(raw) as unknown;
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err;
        console.warn(`Imagic: ignored unreadable stored value ${key}`);
        return undefined;
      }
    },
    async setAsync(key, value) {
      storage.setItem(key, JSON.stringify(value));
    },
    async deleteAsync(key) {
      storage.removeItem(key);
    },
  };
}
