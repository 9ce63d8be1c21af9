// One client socket: awaiting-hello → paired → closed. Every frame is validated by the shared parse/decode
// functions first; a bad one is answered with a coded `error` and the session keeps serving. Before pairing, the
// only thing accepted is a valid `hello` with the right code; anything else gets an error and the socket is closed.
import type { RawData, WebSocket } from 'ws';
import { decodeBinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import type { ErrorCode } from '../../../shared/src/protocol/error-codes.ts';
import type { ClientKind } from '../../../shared/src/protocol/fields.ts';
import type { ClientMessage, MessageOf, ServerMessage } from '../../../shared/src/protocol/messages.ts';
import { parseClientMessage } from '../../../shared/src/protocol/parse.ts';
import { PROTOCOL_VERSION } from '../../../shared/src/protocol/version.ts';
import { ImagicError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { tokensMatch } from '../pairing/pairing-token.ts';
import type { DaemonServices, Handler, HandlerContext, RequestType, SessionPort } from './handlers/handler.ts';
import { handlers } from './handlers/index.ts';
import type { PairingGuard } from './pairing-guard.ts';
import { UploadStore } from './upload-store.ts';
import { allowLargeFrames } from './ws-server.ts';

/** WebSocket close code 1008 "policy violation"; the reason is the error code, so clients can show its hint. */
const POLICY_VIOLATION = 1008;

export type SessionOptions = {
  token: string;
  guard: PairingGuard;
  services: DaemonServices;
  helloTimeoutMs: number;
  maxUploads: number;
  logger: Logger;
  /** For log lines: where the socket came from. */
  peer: string;
  /** The frame limit once paired (image uploads); before, ws-server's UNPAIRED_MAX_PAYLOAD_BYTES. */
  maxPayloadBytes: number;
};

type SessionState = 'awaiting-hello' | 'paired' | 'closed';

const toBytes = (data: RawData): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

export class Session implements SessionPort {
  private state: SessionState = 'awaiting-hello';
  /** Known once paired; 'cli' until then (nothing runs before pairing). */
  client: ClientKind = 'cli';
  private readonly helloTimer: ReturnType<typeof setTimeout>;
  private readonly context: HandlerContext;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: WebSocket,
    private readonly options: SessionOptions,
  ) {
    this.context = { services: options.services, uploads: new UploadStore(options.maxUploads), session: this };
    this.helloTimer = setTimeout(
      () => this.refuse('PAIRING_REQUIRED', `no hello within ${options.helloTimeoutMs} ms`),
      options.helloTimeoutMs,
    );
    socket.on('message', (data, isBinary) =>
      isBinary ? this.receiveFrame(toBytes(data)) : this.receiveText(data.toString()),
    );
    socket.on('close', () => this.markClosed());
    socket.on('error', (err) => options.logger.warn(`socket error from ${options.peer}: ${err.message}`));
  }

  private receiveText(text: string): void {
    if (this.state === 'closed') return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      if (this.state === 'awaiting-hello') return this.refuse(parsed.code, parsed.message, parsed.id);
      return this.sendError(parsed.code, parsed.message, parsed.id);
    }
    const message = parsed.value;
    if (message.type === 'hello') return this.pair(message);
    if (this.state !== 'paired') return this.refuse('PAIRING_REQUIRED', `${message.type} before hello`, message.id);
    // One request at a time per socket: replies come in request order, and jobs are queued in the order the
    // client sent them (which latest-wins re-renders depend on).
    this.inFlight = this.inFlight.then(() =>
      this.handleAsync(message).catch((err: unknown) => this.replyWithError(err, message.id)),
    );
  }

  private receiveFrame(bytes: Uint8Array): void {
    if (this.state === 'closed') return;
    if (this.state !== 'paired') return this.refuse('PAIRING_REQUIRED', 'binary frame before hello');
    const frame = decodeBinaryFrame(bytes);
    if (!frame.ok) return this.sendError(frame.code, frame.message);
    const { kind } = frame.value;
    if (kind === 'result')
      return this.sendError(
        'BAD_BINARY_FRAME',
        'clients send upload and mask frames; result frames come from the companion',
      );
    this.context.uploads.add({ ...frame.value, kind });
  }

  /** Synchronous on purpose: a client may send requests right behind its hello, and they must find the session paired. */
  private pair(message: MessageOf<ClientMessage, 'hello'>): void {
    const { guard, logger, peer, token } = this.options;
    // The right code always pairs: a flood of wrong ones must not lock the designer's own plugin out (pairing-guard.ts).
    if (!tokensMatch(token, message.token)) {
      if (guard.isBlocked())
        return this.refuse('RATE_LIMITED', 'too many failed pairing attempts; try again in a minute', message.id);
      guard.recordFailure();
      logger.warn(`refused a ${message.client} client from ${peer}: wrong pairing code`);
      return this.refuse('PAIRING_FAILED', 'the pairing code does not match this companion', message.id);
    }
    if (this.state === 'awaiting-hello')
      logger.info(`paired a ${message.client} client ${message.clientVersion} from ${peer}`);
    this.state = 'paired';
    allowLargeFrames(this.socket, this.options.maxPayloadBytes);
    this.client = message.client;
    clearTimeout(this.helloTimer);
    this.send({
      v: PROTOCOL_VERSION,
      type: 'hello.ok',
      id: message.id,
      companionVersion: this.options.services.companionVersion,
    });
  }

  private async handleAsync(message: MessageOf<ClientMessage, RequestType>): Promise<void> {
    // The table's mapped type guarantees handlers[type] takes messages of that type; TypeScript cannot correlate
    // the two through a union, hence the widening cast.
    const handler = handlers[message.type] as Handler<RequestType>;
    const reply = await handler(message, this.context);
    if (!('frames' in reply)) return this.send(reply);
    this.send(reply.message);
    for (const frame of reply.frames) this.sendFrame(frame);
  }

  private replyWithError(err: unknown, id: string): void {
    if (err instanceof ImagicError) return this.sendError(err.code, err.message, id);
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    this.options.logger.warn(`internal error answering request ${id}: ${detail}`);
    this.sendError('INTERNAL', `the companion failed while answering request ${id}; see its log`, id);
  }

  send(message: ServerMessage): void {
    if (this.state === 'closed' || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(JSON.stringify(message));
  }

  sendFrame(bytes: Uint8Array): void {
    if (this.state === 'closed' || this.socket.readyState !== this.socket.OPEN) return;
    this.socket.send(bytes, { binary: true });
  }

  private sendError(code: ErrorCode, message: string, id?: string): void {
    this.options.services.recentErrors.add(code, message);
    this.send(
      id === undefined
        ? { v: PROTOCOL_VERSION, type: 'error', code, message }
        : { v: PROTOCOL_VERSION, type: 'error', id, code, message },
    );
  }

  /** Tells the client why, then closes; used for anything that fails before or during pairing. */
  private refuse(code: ErrorCode, message: string, id?: string): void {
    if (this.state === 'closed') return;
    this.sendError(code, message, id);
    this.markClosed();
    this.socket.close(POLICY_VIOLATION, code);
  }

  private markClosed(): void {
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    this.options.services.hub.unsubscribeAll(this);
  }
}
