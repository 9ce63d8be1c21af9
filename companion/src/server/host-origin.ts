// Who may talk to the companion. Host is checked on every HTTP request and upgrade: a DNS-rebinding page reaches
// 127.0.0.1 under its own host name, so a loopback Host header is what proves the request meant us. Origin is
// defence in depth only: Figma's iframe sends "null", which any sandboxed iframe on any site can send too, which
// is why the pairing code exists (docs/hosts.md §4.2).

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'] as const;

/** `localhost:<port>`, `127.0.0.1:<port>` or `[::1]:<port>`; anything else, an empty or a missing Host, is refused. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (host === undefined) return false;
  const normalized = host.trim().toLowerCase();
  return LOOPBACK_HOSTS.some((name) => normalized === `${name}:${port}`);
}

export type OriginPolicy = {
  port: number;
  /** Extra exact origins, e.g. a Photoshop UXP origin once it is known. */
  extraOrigins?: readonly string[];
};

/** The companion's own web origin (the dashboard): http://localhost|127.0.0.1|[::1]:<port>. */
export function isCompanionOrigin(origin: string, port: number): boolean {
  return LOOPBACK_HOSTS.some((name) => origin.toLowerCase() === `http://${name}:${port}`);
}

/**
 * No Origin (CLI, Node, UXP), "null" (Figma's plugin iframe) and the dashboard served by the companion itself.
 * Every other web origin is refused.
 */
export function isAllowedOrigin(origin: string | undefined, { port, extraOrigins = [] }: OriginPolicy): boolean {
  if (origin === undefined) return true;
  if (origin === 'null') return true;
  return isCompanionOrigin(origin, port) || extraOrigins.includes(origin);
}
