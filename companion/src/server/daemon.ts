// Starts and stops the companion: HTTP + WebSocket on 127.0.0.1, sharing one port and one set of services (the
// job journal, the queue, the engine, the event-loop monitor).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROTOCOL_VERSION } from '../../../shared/src/protocol/version.ts';
import { LOOPBACK_HOST, MAX_WS_PAYLOAD_BYTES, validateDaemonOptions, type DaemonOptions } from '../config.ts';
import { ImagicError } from '../errors.ts';
import { ThreadedEditEngine } from '../engine-host/threaded-edit-engine.ts';
import { JobJournal } from '../jobs/job-journal.ts';
import { lockDataDirAsync } from '../jobs/data-dir-lock.ts';
import { JobQueue } from '../jobs/job-queue.ts';
import { createJobExecutor } from '../jobs/job-runner.ts';
import { loadOrCreatePairingTokenAsync } from '../pairing/pairing-token.ts';
import { COMPANION_VERSION } from '../version.ts';
import { createDashboardRouter, dashboardKey } from './dashboard-routes.ts';
import { buildDiagnosticsAsync } from './diagnostics.ts';
import { EventLoopMonitor } from './event-loop-monitor.ts';
import type { DaemonServices } from './handlers/handler.ts';
import type { OriginPolicy } from './host-origin.ts';
import { createHttpApp } from './http-app.ts';
import { JobHub } from './job-hub.ts';
import { LogTail, teeLogger } from './log-tail.ts';
import { PairingGuard } from './pairing-guard.ts';
import { RecentErrors } from './recent-errors.ts';
import { Session } from './session.ts';
import { attachWebSocketServer } from './ws-server.ts';

export type RunningDaemon = {
  port: number;
  dataDir: string;
  /** The dashboard's link: its address with the key that lets the page fetch the pairing code (dashboard-routes.ts). */
  url: string;
  services: DaemonServices;
  closeAsync(): Promise<void>;
};

/** How long clients get to answer the close handshake on shutdown before their sockets are cut. */
const SHUTDOWN_GRACE_MS = 1000;

export async function startDaemonAsync(input: DaemonOptions): Promise<RunningDaemon> {
  const options = validateDaemonOptions(input);
  const { dataDir } = options;
  const tail = new LogTail();
  const logger = teeLogger(options.logger, [(line) => tail.push(line)]);
  const token = await loadOrCreatePairingTokenAsync(dataDir);
  const key = dashboardKey();
  const guard = new PairingGuard({ maxFailures: options.pairingMaxFailures, windowMs: options.pairingWindowMs });

  const recentErrors = new RecentErrors();
  // Before the journal: opening it fails the jobs a previous daemon left running, which must not be a live one's.
  const lock = await lockDataDirAsync(dataDir);
  let journal: JobJournal;
  try {
    journal = await JobJournal.openAsync(dataDir, { keepFinished: options.keepFinishedJobs, logger });
  } catch (err) {
    await lock.releaseAsync();
    throw err;
  }
  const engine = new ThreadedEditEngine({
    dataDir,
    logger,
    ...(options.provider ? { provider: options.provider } : {}),
  });
  const hub = new JobHub({
    onFailure: (record) => {
      if (record.error) recentErrors.add(record.error.code, `job ${record.jobId}: ${record.error.message}`);
    },
  });
  const queue = new JobQueue({
    execute: createJobExecutor(engine, journal),
    store: journal,
    events: hub,
    capacity: options.queueCapacity,
    logger,
  });
  const eventLoop = new EventLoopMonitor();
  const services: DaemonServices = {
    companionVersion: COMPANION_VERSION,
    dataDir,
    engine,
    queue,
    journal,
    hub,
    eventLoop,
    recentErrors,
  };

  let port = options.port;
  const originPolicy = (): OriginPolicy => ({ port, extraOrigins: options.extraOrigins });
  const settings = {
    dataDir,
    logDir: options.logDir ?? null,
    queueCapacity: options.queueCapacity,
    keepFinishedJobs: options.keepFinishedJobs,
    helloTimeoutMs: options.helloTimeoutMs,
    pairingMaxFailures: options.pairingMaxFailures,
    extraOrigins: options.extraOrigins,
    provider: options.provider ?? 'auto',
  };
  const app = createHttpApp({
    originPolicy,
    logger,
    healthAsync: async () => ({
      ok: true,
      name: 'imagic',
      companionVersion: COMPANION_VERSION,
      protocolVersion: PROTOCOL_VERSION,
      model: (await engine.status()).model.state,
    }),
    routes: createDashboardRouter({
      dashboardKey: key,
      port: () => port,
      token,
      thumbnailAsync: (editId, side, which) => engine.editThumbnailAsync(editId, side, which),
      resultsAsync: (editId) => engine.editResultsAsync(editId),
      diagnosticsAsync: () => buildDiagnosticsAsync({ services, tail, token, settings: { ...settings, port } }),
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
        maxPayloadBytes: MAX_WS_PAYLOAD_BYTES,
      }),
  });

  try {
    await listenAsync(server, options.port);
  } catch (err) {
    eventLoop.close();
    await queue.closeAsync();
    await lock.releaseAsync();
    throw err;
  }
  port = (server.address() as AddressInfo).port;

  return {
    port,
    dataDir,
    url: `http://localhost:${port}/?key=${key}`,
    services,
    async closeAsync() {
      for (const client of wss.clients) client.close(1001, 'companion shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const cut = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
      }, SHUTDOWN_GRACE_MS);
      await queue.closeAsync();
      await engine.closeAsync();
      await closed;
      clearTimeout(cut);
      wss.close();
      eventLoop.close();
      await lock.releaseAsync();
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
