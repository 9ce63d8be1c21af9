// What the page can learn about Chrome's Local Network Access (docs/hosts.md §1.7): the permission state, and
// whether a public site embeds the panel (figma.com in a browser) or a page on this computer does.
import type { HostEnvironment, NetworkAccess } from '../state/connection-view.ts';

/** Chrome's names for the permission, newest first (loopback-network since M147's WebSocket rollout). */
const PERMISSION_NAMES = ['loopback-network', 'local-network-access', 'local-network'];

export async function probeLocalNetworkAsync(): Promise<NetworkAccess> {
  const permissions = globalThis.navigator?.permissions;
  if (permissions === undefined) return 'unknown';
  for (const name of PERMISSION_NAMES) {
    try {
      const status = await permissions.query({ name } as unknown as PermissionDescriptor);
      return status.state;
    } catch (err) {
      // An unknown permission name is a TypeError: try the next name.
      if (!(err instanceof TypeError)) throw err;
    }
  }
  return 'unknown';
}

const LOCAL_HOSTS = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/** The Figma UI iframe's environment, from its user agent and the origins that embed it. */
export function figmaEnvironment(): HostEnvironment {
  // The desktop app is Electron; its user agent names Electron or Figma, a browser's does not.
  const inBrowser = !/\b(Electron|Figma)\//.test(navigator.userAgent);
  const top =
    typeof location !== 'undefined' ? location.ancestorOrigins?.[location.ancestorOrigins.length - 1] : undefined;
  const embeddedIn =
    top === undefined ? 'unknown' : LOCAL_HOSTS.test(top) ? 'local' : /^https?:\/\//.test(top) ? 'public' : 'unknown';
  return { host: 'figma', inBrowser, embeddedIn };
}
