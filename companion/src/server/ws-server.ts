// The WebSocket endpoint. Upgrades are checked before ws sees them, in order of cheapness: path, Host, Origin.
// A refused handshake gets a 403 with the code; accepted sockets become Sessions.
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { WS_PATH } from '../../../shared/src/protocol/defaults.ts';
import type { Logger } from '../log.ts';
import { isAllowedHost, isAllowedOrigin, type OriginPolicy } from './host-origin.ts';
import { refuseUpgrade } from './refusal.ts';

/**
 * The largest frame a socket may send before it has paired: a `hello` is a few hundred bytes. Any web page can open a
 * socket (the plugin's Origin is `null`, which a sandboxed iframe anywhere also has); with the full limit, eight
 * unpaired sockets made the daemon buffer 8 × 64 MiB before refusing the frames.
 */
export const UNPAIRED_MAX_PAYLOAD_BYTES = 16 * 1024;

/**
 * Lifts a paired socket's frame limit to the full one (image uploads). ws has no public per-socket limit, so this
 * sets its receiver's; tests/integration/daemon-foundation.test.ts uploads a large frame after pairing, which fails
 * if a ws upgrade moves the field.
 */
export function allowLargeFrames(socket: WebSocket, maxPayloadBytes: number): void {
  const receiver = (socket as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = maxPayloadBytes;
}

export type WsServerOptions = {
  originPolicy: () => OriginPolicy;
  /** Frames of a paired socket (allowLargeFrames); unpaired ones get UNPAIRED_MAX_PAYLOAD_BYTES. */
  maxPayloadBytes: number;
  logger: Logger;
  onConnection: (socket: WebSocket, request: IncomingMessage) => void;
};

export function attachWebSocketServer(
  server: Server,
  { originPolicy, logger, onConnection }: WsServerOptions,
): WebSocketServer {
  // perMessageDeflate off: images are already compressed, and inflating attacker data costs memory (ws docs). A frame
  // over the limit is refused from its header (close 1009), before its payload is buffered.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: UNPAIRED_MAX_PAYLOAD_BYTES,
    perMessageDeflate: false,
    clientTracking: true,
  });

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
