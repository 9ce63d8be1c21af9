// How the companion says no over HTTP: a JSON body with the code, the specific message and the code's hint, plus an
// X-Imagic-Error header, because a browser's WebSocket hides the body of a refused handshake.
import type { Duplex } from 'node:stream';
import { errorCodes, type ErrorCode } from '../../../shared/src/protocol/error-codes.ts';

export const refusalBody = (code: ErrorCode, message: string) => ({ code, message, hint: errorCodes[code] });

const reasons: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' };

/** Answers an upgrade request on the raw socket (no WebSocket exists yet) and closes it; code null = plain 404. */
export function refuseUpgrade(socket: Duplex, status: 400 | 403 | 404, code: ErrorCode | null, message: string): void {
  const body = JSON.stringify(code === null ? { message } : refusalBody(code, message));
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      (code === null ? '' : `X-Imagic-Error: ${code}\r\n`) +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
