// The WebSocket endpoint. Upgrades are checked before ws sees them, in order of cheapness: path, Host, Origin.
// A refused handshake gets a 403 with the code; accepted sockets become Sessions.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WS_PATH } from '../../../shared/src/protocol/defaults.ts';
import type { Logger } from '../log.ts';
import { isAllowedHost, isAllowedOrigin, type OriginPolicy } from './host-origin.ts';
import { refuseUpgrade } from './refusal.ts';

export type WsServerOptions = {
  originPolicy: () => OriginPolicy;
  maxPayloadBytes: number;
  logger: Logger;
  onConnection: (socket: WebSocket, request: IncomingMessage) => void;
};

export function attachWebSocketServer(server: Server, { originPolicy, maxPayloadBytes, logger, onConnection }: WsServerOptions): WebSocketServer {
  // perMessageDeflate off: images are already compressed, and inflating attacker data costs memory (ws docs).
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxPayloadBytes, perMessageDeflate: false, clientTracking: true });

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => logger.warn(`upgrade socket error: ${err.message}`));
    const policy = originPolicy();
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== WS_PATH) return refuseUpgrade(socket, 404, null, `the WebSocket endpoint is ${WS_PATH}, not ${path}`);
    const { host, origin } = request.headers;
    if (!isAllowedHost(host, policy.port)) {
      logger.warn(`refused WebSocket: Host ${JSON.stringify(host ?? '')}`);
      return refuseUpgrade(socket, 403, 'FORBIDDEN_HOST', `Host ${JSON.stringify(host ?? '')} is not this companion`);
    }
    if (!isAllowedOrigin(origin, policy)) {
      logger.warn(`refused WebSocket: Origin ${origin ?? ''}`);
      return refuseUpgrade(socket, 403, 'FORBIDDEN_ORIGIN', `Origin ${origin ?? ''} may not use this companion`);
    }
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request));
  });

  return wss;
}
