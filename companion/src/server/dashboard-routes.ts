// The dashboard over HTTP: its static files, the pairing code for the dashboard page itself, and two downloads
// behind the pairing code (edit thumbnails, diagnostics). Everything else the dashboard does goes over the same
// WebSocket and `hello` as any plugin.
//
// Why the page may fetch the pairing code (README, "Security and threat model"): the code's job is to tell our
// clients apart from web pages, which can reach localhost. /api/dashboard-token answers only a request that
//   - carries the dashboard cookie, which only the dashboard link sets: `imagic serve` prints the link and the tray
//     opens it (`/?key=…`, a secret of this daemon's run); another local user's program can forge any header, but
//     cannot see the user's terminal;
//   - a browser marks as coming from the dashboard's own origin: Sec-Fetch-Site "same-origin" (set by the browser,
//     not by page script), no Origin or our own (never "null", which any sandboxed iframe sends), the Host check of
//     http-app.ts (no DNS rebinding), and a custom header (a cross-origin page cannot send one without a CORS
//     preflight, which it does not get).
// The page cannot be framed, so it cannot be clickjacked. Opened without the link, it asks for the pairing code.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import { HexId } from '../../../shared/src/protocol/ids.ts';
import { ImagicError } from '../errors.ts';
import { tokensMatch } from '../pairing/pairing-token.ts';
import { isCompanionOrigin } from './host-origin.ts';
import { refusalBody } from './refusal.ts';
import type { EditImage, EditResults } from '../engine-host/edit-engine.ts';

export const DASHBOARD_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url));
/** The page's script, as plugin/build.mjs bundles it from dashboard/dashboard.ts. */
const DASHBOARD_BUNDLE = fileURLToPath(new URL('../../dist/dashboard/dashboard.js', import.meta.url));
/** The header the dashboard's script adds to its token request. */
export const DASHBOARD_HEADER = 'x-imagic-dashboard';
const THUMBNAIL_SIDE_PX = 160;

/** The cookie the dashboard link sets: HttpOnly (no script reads it), SameSite=Strict (no other site sends it). */
export const DASHBOARD_COOKIE = 'imagic_dashboard';

export type DashboardRouteOptions = {
  port: () => number;
  token: string;
  /** The dashboard link's secret (dashboardKey()); the link is `/?key=<key>`. */
  dashboardKey: string;
  thumbnailAsync: (editId: string, maxSidePx: number, which: EditImage) => Promise<Uint8Array>;
  resultsAsync: (editId: string) => Promise<EditResults>;
  diagnosticsAsync: () => Promise<string>;
};

const contentSecurityPolicy = (host: string) =>
  [
    "default-src 'self'",
    `connect-src 'self' ws://${host}`,
    "img-src 'self' blob:",
    "style-src 'self'",
    "script-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');

function isFromDashboard(req: Request, port: number): boolean {
  const { origin } = req.headers;
  return (
    req.headers['sec-fetch-site'] === 'same-origin' &&
    (origin === undefined || isCompanionOrigin(origin, port)) &&
    req.headers[DASHBOARD_HEADER] === '1'
  );
}

/** A fresh secret for the dashboard link, per daemon run. */
export const dashboardKey = (): string => randomBytes(32).toString('base64url');

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

const KEY_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

function hasDashboardCookie(req: Request, key: string): boolean {
  const value = cookieValue(req, DASHBOARD_COOKIE);
  return value !== undefined && KEY_SHAPE.test(value) && tokensMatch(key, value);
}

function hasToken(req: Request, token: string): boolean {
  const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(req.headers.authorization ?? '');
  return match !== null && tokensMatch(token, match[1]!);
}

export function createDashboardRouter({
  port,
  token,
  dashboardKey: key,
  thumbnailAsync,
  resultsAsync,
  diagnosticsAsync,
}: DashboardRouteOptions): Router {
  const router = express.Router();

  router.use((req, res, next) => {
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(req.headers.host ?? `localhost:${port()}`));
    next();
  });

  // The dashboard link: the key becomes a cookie, and the address bar loses it.
  router.get('/', (req: Request, res: Response, next) => {
    const given = req.query['key'];
    if (typeof given !== 'string') return next();
    res.setHeader('Cache-Control', 'no-store');
    if (KEY_SHAPE.test(given) && tokensMatch(key, given))
      res.setHeader('Set-Cookie', `${DASHBOARD_COOKIE}=${key}; HttpOnly; SameSite=Strict; Path=/`);
    res.redirect(303, '/');
  });

  router.get('/api/dashboard-token', (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!hasDashboardCookie(req, key)) {
      res
        .status(403)
        .json(
          refusalBody(
            'FORBIDDEN_ORIGIN',
            'the pairing code is given only to the dashboard opened from its link (printed by `imagic serve`, or the tray); paste the code `imagic pair` prints instead',
          ),
        );
      return;
    }
    if (!isFromDashboard(req, port())) {
      res
        .status(403)
        .json(
          refusalBody(
            'FORBIDDEN_ORIGIN',
            'the pairing code is given only to the dashboard page itself; run `imagic pair` to see it',
          ),
        );
      return;
    }
    res.json({ token });
  });

  /** A saved edit's route behind the pairing code: 401 without it, 404 for an unknown edit, 409 for a stale one. */
  const editRoute =
    (answer: (editId: string, req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
      if (!hasToken(req, token))
        return void res
          .status(401)
          .json(refusalBody('PAIRING_REQUIRED', 'send the pairing code as Authorization: Bearer <code>'));
      const editId = req.params['editId'];
      if (!HexId.safeParse(editId).success)
        return void res.status(404).json(refusalBody('EDIT_NOT_FOUND', 'not an edit id'));
      try {
        await answer(editId as string, req, res);
      } catch (err) {
        if (!(err instanceof ImagicError)) throw err;
        res.status(err.code === 'EDIT_NOT_FOUND' ? 404 : 409).json(refusalBody(err.code, err.message));
      }
    };
  const sendPng = (res: Response, png: Uint8Array, cacheControl: string) => {
    res.setHeader('Cache-Control', cacheControl);
    res.type('png').send(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  };

  router.get(
    '/api/edits/:editId/thumbnail',
    editRoute(async (editId, _req, res) =>
      sendPng(res, await thumbnailAsync(editId, THUMBNAIL_SIDE_PX, 'input'), 'private, max-age=60'),
    ),
  );

  // The latest render's results: which there are, and each one's thumbnail (no-store: a re-render replaces them).
  router.get(
    '/api/edits/:editId/results',
    editRoute(async (editId, _req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json(await resultsAsync(editId));
    }),
  );
  router.get(
    '/api/edits/:editId/results/:index/thumbnail',
    editRoute(async (editId, req, res) => {
      const index = Number(req.params['index']);
      if (!Number.isSafeInteger(index) || index < 0)
        return void res.status(404).json(refusalBody('EDIT_NOT_FOUND', 'not a result index'));
      sendPng(res, await thumbnailAsync(editId, THUMBNAIL_SIDE_PX, { result: index }), 'no-store');
    }),
  );

  // Browsers ask for /favicon.ico whatever the page says; the page's own icon answers.
  router.get('/favicon.ico', (_req: Request, res: Response) => res.redirect(301, '/favicon.svg'));

  router.get('/api/diagnostics', async (req: Request, res: Response) => {
    if (!hasToken(req, token))
      return void res
        .status(401)
        .json(refusalBody('PAIRING_REQUIRED', 'send the pairing code as Authorization: Bearer <code>'));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader(
      'Content-Disposition',
      `attachment; filename="imagic-diagnostics-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}.json"`,
    );
    res.type('json').send(await diagnosticsAsync());
  });

  // The page's script is TypeScript bundled with the panel (plugin/build.mjs; `npm start` and `npm test` build it).
  router.get('/dashboard.js', (_req: Request, res: Response) => {
    res.sendFile(DASHBOARD_BUNDLE, { dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) {
        res
          .status(503)
          .type('text/plain')
          .send('The dashboard is not built yet: run `npm run build` in the companion folder (`npm start` builds it).');
      }
    });
  });
  router.use(express.static(DASHBOARD_DIR, { index: 'index.html', dotfiles: 'deny', etag: true }));
  return router;
}
