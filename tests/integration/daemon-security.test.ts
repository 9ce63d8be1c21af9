// Security refusals beyond the foundation's (daemon-foundation.test.ts covers foreign Origin, rebinding Host,
// wrong code, pairing rate limit, malformed JSON): a missing code, an oversize frame, and the dashboard's HTTP
// endpoints, which must give the pairing code only to the dashboard page itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_WS_PAYLOAD_BYTES } from '../../companion/src/config.ts';
import { Inbox, openSocketAsync, pairAsync, startTestDaemonAsync, type TestDaemon } from './support/daemon-harness.ts';
import { httpGetAsync } from './support/http-get.ts';

let daemon: TestDaemon;
let host: string;
beforeAll(async () => {
  daemon = await startTestDaemonAsync();
  host = `localhost:${daemon.port}`;
});
afterAll(async () => daemon?.stopAsync());

describe('WebSocket refusals', () => {
  it('refuses a hello without a pairing code and closes', async () => {
    const inbox = new Inbox(await openSocketAsync(daemon.port));
    expect(await inbox.requestAsync({ type: 'hello', id: 'h', client: 'figma', clientVersion: 't' })).toMatchObject({
      type: 'error',
      id: 'h',
      code: 'INVALID_FIELD',
    });
    expect(await inbox.closed).toEqual({ code: 1008, reason: 'INVALID_FIELD' });
  });

  it('closes a socket that sends a frame over the size limit (1009) before buffering it, and keeps serving others', async () => {
    const inbox = await pairAsync(daemon);
    inbox.socket.on('error', () => undefined); // the server may reset the connection while the frame is still going out
    inbox.socket.send(new Uint8Array(MAX_WS_PAYLOAD_BYTES + 1));
    expect((await inbox.closed).code).toBe(1009);
    const other = await pairAsync(daemon);
    expect(await other.requestAsync({ type: 'status', id: 's' })).toMatchObject({ type: 'status.result' });
    other.socket.close();
  });

  it('rate-limits a pairing brute force from many sockets at once', async () => {
    const strict = await startTestDaemonAsync({ pairingMaxFailures: 5 });
    try {
      const attempts = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          const inbox = new Inbox(await openSocketAsync(strict.port));
          return inbox.requestAsync({
            type: 'hello',
            id: `b${i}`,
            client: 'figma',
            clientVersion: 't',
            token: `${'g'.repeat(42)}${i % 10}`,
          });
        }),
      );
      const codes = attempts.map((m) => (m.type === 'error' ? m.code : m.type));
      expect(codes.filter((c) => c === 'PAIRING_FAILED')).toHaveLength(5);
      expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
    } finally {
      await strict.stopAsync();
    }
  });
});

describe('the dashboard page', () => {
  it('is served with a strict CSP and cannot be framed', async () => {
    const page = await httpGetAsync(daemon.port, '/', { host });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Imagic companion</title>');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['content-security-policy']).toContain(`connect-src 'self' ws://${host}`);
  });

  /** What the dashboard link sets: GET /?key=… answers with the cookie and a redirect to /. */
  const dashboardCookieAsync = async (key: string): Promise<string> => {
    const reply = await httpGetAsync(daemon.port, `/?key=${key}`, { host });
    expect(reply.status).toBe(303);
    expect(reply.headers['location']).toBe('/');
    const cookie = [reply.headers['set-cookie'] ?? []].flat()[0] ?? '';
    return cookie.split(';')[0]!;
  };
  const linkKey = () => new URL(daemon.url).searchParams.get('key')!;
  let cookie = '';
  const dashboardHeaders = (): Record<string, string> => ({
    host,
    'sec-fetch-site': 'same-origin',
    'x-imagic-dashboard': '1',
    cookie,
  });

  it('sets an HttpOnly, SameSite=Strict cookie for the key of the link imagic serve prints, and none for another key', async () => {
    const reply = await httpGetAsync(daemon.port, `/?key=${linkKey()}`, { host });
    expect([reply.headers['set-cookie']].flat()[0]).toMatch(
      /^imagic_dashboard=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\/$/,
    );
    const wrong = await httpGetAsync(daemon.port, `/?key=${'k'.repeat(43)}`, { host });
    expect(wrong.status).toBe(303);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    cookie = await dashboardCookieAsync(linkKey());
  });

  it("refuses the pairing code to another local user's program that forges the browser's headers but lacks the cookie", async () => {
    const reply = await httpGetAsync(daemon.port, '/api/dashboard-token', {
      ...dashboardHeaders(),
      cookie: `imagic_dashboard=${'k'.repeat(43)}`,
    });
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain(daemon.token);
    const none = await httpGetAsync(daemon.port, '/api/dashboard-token', {
      host,
      'sec-fetch-site': 'same-origin',
      'x-imagic-dashboard': '1',
    });
    expect(none.status).toBe(403);
  });

  it('gets the pairing code when the browser marks the request same-origin', async () => {
    const reply = await httpGetAsync(daemon.port, '/api/dashboard-token', dashboardHeaders());
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ token: daemon.token });
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['a cross-site request', { 'sec-fetch-site': 'cross-site' }],
    ['a same-site page on another port', { 'sec-fetch-site': 'same-site', origin: 'http://localhost:3000' }],
    ["a sandboxed iframe (Origin null, like Figma's)", { 'sec-fetch-site': 'cross-site', origin: 'null' }],
    ['a request without the dashboard header', { 'x-imagic-dashboard': '' }],
    ['a non-browser request without Sec-Fetch-Site', { 'sec-fetch-site': '' }],
  ])('refuses the pairing code to %s', async (_label, patch) => {
    const headers: Record<string, string> = { ...dashboardHeaders(), ...patch };
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
    const reply = await httpGetAsync(daemon.port, '/api/dashboard-token', headers);
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain(daemon.token);
  });

  it('refuses a DNS-rebinding Host even with dashboard headers', async () => {
    const reply = await httpGetAsync(daemon.port, '/api/dashboard-token', {
      ...dashboardHeaders(),
      host: `evil.example:${daemon.port}`,
    });
    expect(reply.status).toBe(403);
    expect(JSON.parse(reply.body)).toMatchObject({ code: 'FORBIDDEN_HOST' });
  });

  it('serves diagnostics and thumbnails only with the pairing code, and diagnostics never contain it', async () => {
    expect((await httpGetAsync(daemon.port, '/api/diagnostics', { host })).status).toBe(401);
    expect(
      (await httpGetAsync(daemon.port, '/api/diagnostics', { host, authorization: `Bearer ${'w'.repeat(43)}` })).status,
    ).toBe(401);
    expect((await httpGetAsync(daemon.port, `/api/edits/${'a'.repeat(32)}/thumbnail`, { host })).status).toBe(401);
    const diagnostics = await httpGetAsync(daemon.port, '/api/diagnostics', {
      host,
      authorization: `Bearer ${daemon.token}`,
    });
    expect(diagnostics.status).toBe(200);
    expect(diagnostics.headers['content-disposition']).toMatch(/^attachment; filename="imagic-diagnostics-/);
    expect(diagnostics.body).not.toContain(daemon.token);
    expect(JSON.parse(diagnostics.body)).toMatchObject({
      companion: { protocolVersion: 1 },
      runtime: { node: process.version },
      log: expect.any(Array),
    });
    const missing = await httpGetAsync(daemon.port, `/api/edits/${'a'.repeat(32)}/thumbnail`, {
      host,
      authorization: `Bearer ${daemon.token}`,
    });
    expect(missing.status).toBe(404);
  });
});
