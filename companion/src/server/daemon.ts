// Starts and stops the companion: HTTP + WebSocket on 127.0.0.1, sharing one port and one set of services.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROTOCOL_VERSION } from '../../../shared/src/protocol/version.ts';
import { LOOPBACK_HOST, MAX_WS_PAYLOAD_BYTES, validateDaemonOptions, type DaemonOptions } from '../config.ts';
import { ImagicError } from '../errors.ts';
import { modelStatusAsync } from '../models/model-store.ts';
import { loadOrCreatePairingTokenAsync } from '../pairing/pairing-token.ts';
import { COMPANION_VERSION } from '../version.ts';
import type { DaemonServices } from './handlers/handler.ts';
import type { OriginPolicy } from './host-origin.ts';
import { createHttpApp } from './http-app.ts';
import { PairingGuard } from './pairing-guard.ts';
import { Session } from './session.ts';
import { attachWebSocketServer } from './ws-server.ts';

export type RunningDaemon = {
  port: number;
  dataDir: string;
  closeAsync(): Promise<void>;
};

/** How long clients get to answer the close handshake on shutdown before their sockets are cut. */
const SHUTDOWN_GRACE_MS = 1000;

export async function startDaemonAsync(input: DaemonOptions): Promise<RunningDaemon> {
  const options = validateDaemonOptions(input);
  const { dataDir, logger } = options;
  const token = await loadOrCreatePairingTokenAsync(dataDir);
  const guard = new PairingGuard({ maxFailures: options.pairingMaxFailures, windowMs: options.pairingWindowMs });
  const services: DaemonServices = {
    companionVersion: COMPANION_VERSION,
    modelStatusAsync: () => modelStatusAsync(dataDir),
    queue: () => ({ running: 0, queued: 0, capacity: options.queueCapacity }),
  };

  let port = options.port;
  const originPolicy = (): OriginPolicy => ({ port, extraOrigins: options.extraOrigins });
  const app = createHttpApp({
    originPolicy,
    logger,
    healthAsync: async () => ({
      ok: true,
      name: 'imagic',
      companionVersion: COMPANION_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      model: (await services.modelStatusAsync()).state,
    }),
  });
  const server = createServer(app);
  const wss = attachWebSocketServer(server, {
    originPolicy,
    logger,
    maxPayloadBytes: MAX_WS_PAYLOAD_BYTES,
    onConnection: (socket, request) =>
      new Session(socket, {
        token,
        guard,
        services,
        logger,
        helloTimeoutMs: options.helloTimeoutMs,
        maxUploads: options.maxUploadsPerSession,
        peer: `${request.socket.remoteAddress ?? '?'} (Origin ${request.headers.origin ?? 'none'})`,
      }),
  });

  await listenAsync(server, options.port);
  port = (server.address() as AddressInfo).port;

  return {
    port,
    dataDir,
    async closeAsync() {
      for (const client of wss.clients) client.close(1001, 'companion shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(cut);
      wss.close();
    },
  };
}

function listenAsync(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new ImagicError('PORT_IN_USE', `${LOOPBACK_HOST}:${port} is already in use`, { cause: err })
          : err,
      );
    };
    server.once('error', onError);
    server.listen(port, LOOPBACK_HOST, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
