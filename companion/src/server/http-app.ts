// The HTTP side: a Host/Origin gate in front of everything, then /health and the dashboard's routes.
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { isAllowedHost, isAllowedOrigin, type OriginPolicy } from './host-origin.ts';
import { refusalBody } from './refusal.ts';
import type { Logger } from '../log.ts';

export type HttpAppOptions = {
  /** A getter, because with port 0 the real port is known only after listen. */
  originPolicy: () => OriginPolicy;
  healthAsync: () => Promise<Record<string, unknown>>;
  logger: Logger;
  /** More routes behind the same gate (the dashboard). */
  routes?: Router;
};

export function createHttpApp({ originPolicy, healthAsync, logger, routes }: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');

  app.use((req: Request, res: Response, next: NextFunction) => {
    const policy = originPolicy();
    if (!isAllowedHost(req.headers.host, policy.port)) {
      logger.warn(`refused HTTP ${req.method} ${req.path}: Host ${JSON.stringify(req.headers.host ?? '')}`);
      res
        .status(403)
        .json(refusalBody('FORBIDDEN_HOST', `Host ${JSON.stringify(req.headers.host ?? '')} is not this companion`));
      return;
    }
    const origin = req.headers.origin;
    if (!isAllowedOrigin(origin, policy)) {
      logger.warn(`refused HTTP ${req.method} ${req.path}: Origin ${origin ?? ''}`);
      res.status(403).json(refusalBody('FORBIDDEN_ORIGIN', `Origin ${origin ?? ''} may not use this companion`));
      return;
    }
    // Echo allowed origins only (Figma's iframe is "null"); never "*", which would let every page read responses.
    if (origin !== undefined) res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    next();
  });

  app.get('/health', async (_req: Request, res: Response) => {
    res.json(await healthAsync());
  });

  if (routes) app.use(routes);

  app.use((req: Request, res: Response) => {
    res.status(404).json({ message: `no such endpoint: ${req.method} ${req.path}` });
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    logger.warn(
      `HTTP ${req.method} ${req.path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    res
      .status(500)
      .json(refusalBody('INTERNAL', `the companion failed answering ${req.method} ${req.path}; see its log`));
  });

  return app;
}
