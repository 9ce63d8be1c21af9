// The plugin's only WebSocket: connects to the companion, pairs with `hello`, correlates replies with requests by
// id, and reconnects with backoff. Every text frame goes through parseServerMessage and every binary frame through
// decodeBinaryFrame before anything else sees it.
import { decodeBinaryFrame, encodeBinaryFrame, type BinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import { DEFAULT_PORT, WS_PATH } from '../../../shared/src/protocol/defaults.ts';
import { errorCodes, type ErrorCode } from '../../../shared/src/protocol/error-codes.ts';
import type { ClientKind, ClientMessage, ServerMessage } from '../../../shared/src/protocol/messages.ts';
import { parseServerMessage } from '../../../shared/src/protocol/parse.ts';
import { PROTOCOL_VERSION } from '../../../shared/src/protocol/version.ts';
import {
  fatalCodes,
  retryDelayMs,
  transition,
  type ConnectionEvent,
  type ConnectionState,
} from './connection-state.ts';

/** Figma allows only hosts its manifest lists, and lists `localhost` (it may reject IP literals). */
export const companionUrl = (port: number = DEFAULT_PORT): string => `ws://localhost:${port}${WS_PATH}`;

/** Makes the socket; tests pass the `ws` package's WebSocket, which has the same event-handler surface. */
export type SocketFactory = (url: string) => WebSocket;

export type DaemonClientOptions = {
  url: string;
  token: string;
  client: ClientKind;
  clientVersion: string;
  createSocket?: SocketFactory;
  requestTimeoutMs?: number;
  autoReconnect?: boolean;
};

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A request as callers write it; the client adds `v` and `id`. `hello` is the client's own business. */
export type RequestBody = DistributiveOmit<Exclude<ClientMessage, { type: 'hello' }>, 'v' | 'id'>;
type HelloBody = Omit<Extract<ClientMessage, { type: 'hello' }>, 'v' | 'id'>;

export class DaemonRequestError extends Error {
  override readonly name = 'DaemonRequestError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
  get hint(): string {
    return errorCodes[this.code];
  }
}

type Pending = {
  resolve: (m: ServerMessage) => void;
  reject: (e: DaemonRequestError) => void;
  timer: ReturnType<typeof setTimeout>;
};

export class DaemonClient {
  private current: ConnectionState = { status: 'idle' };
  private socket: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private nextId = 1;
  private hello: { id: string; timer: ReturnType<typeof setTimeout> } | null = null;
  private readonly pending = new Map<string, Pending>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly eventListeners = new Set<(message: ServerMessage) => void>();
  private readonly frameListeners = new Set<(frame: BinaryFrame) => void>();

  constructor(private readonly options: DaemonClientOptions) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** Called on every state change; returns the unsubscribe function. */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Messages that answer no pending request: job events, and errors about frames or the connection. */
  onEvent(listener: (message: ServerMessage) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onFrame(listener: (frame: BinaryFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  connect(): void {
    if (this.current.status === 'connecting' || this.current.status === 'pairing' || this.current.status === 'ready')
      return;
    this.clearRetry();
    this.dispatch({ type: 'connect' });
    this.openSocket();
  }

  close(): void {
    this.clearRetry();
    if (this.hello !== null) clearTimeout(this.hello.timer);
    this.hello = null;
    this.dispatch({ type: 'close' });
    this.socket?.close(1000, 'client closed');
    this.socket = null;
    this.rejectAll('COMPANION_UNREACHABLE', 'the connection was closed');
  }

  /** Sends a request once paired and resolves with its reply; an `error` reply rejects with its code. */
  requestAsync(body: RequestBody): Promise<ServerMessage> {
    if (this.current.status !== 'ready')
      return Promise.reject(
        new DaemonRequestError('COMPANION_UNREACHABLE', `not connected (state: ${this.current.status})`),
      );
    return this.send(body);
  }

  /** Sends an image as a binary frame (e.g. an `upload` right before the `edit.start` that names it). */
  sendFrame(frame: BinaryFrame): void {
    const encoded = encodeBinaryFrame(frame);
    if (!encoded.ok) throw new DaemonRequestError(encoded.code, encoded.message);
    if (this.socket === null || this.current.status !== 'ready')
      throw new DaemonRequestError('COMPANION_UNREACHABLE', 'not connected');
    this.socket.send(encoded.value);
  }

  private send(body: RequestBody): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const id = this.sendRaw(body);
      if (id === null) return reject(new DaemonRequestError('COMPANION_UNREACHABLE', 'not connected'));
      const timeoutMs = this.requestTimeoutMs();
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new DaemonRequestError('TIMEOUT', `no reply to ${body.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  /** Adds `v` and a fresh id, sends, and returns the id; null when there is no socket. */
  private sendRaw(body: RequestBody | HelloBody): string | null {
    if (this.socket === null) return null;
    const id = `c${this.nextId++}`;
    this.socket.send(JSON.stringify({ v: PROTOCOL_VERSION, id, ...body }));
    return id;
  }

  private requestTimeoutMs(): number {
    return this.options.requestTimeoutMs ?? 15_000;
  }

  private openSocket(): void {
    const create = this.options.createSocket ?? ((url: string) => new WebSocket(url));
    const socket = create(this.options.url);
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      this.dispatch({ type: 'opened' });
      const { token, client, clientVersion } = this.options;
      const id = this.sendRaw({ type: 'hello', client, clientVersion, token });
      if (id !== null) this.hello = { id, timer: this.helloTimeout(socket) };
    };
    socket.onmessage = (event: MessageEvent) => this.receive(event.data);
    // Browsers report no reason for a failed handshake; onclose follows onerror, so the close handler does the work.
    socket.onerror = () => undefined;
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.hello !== null) clearTimeout(this.hello.timer);
      this.hello = null;
      this.rejectAll('COMPANION_UNREACHABLE', 'the connection closed');
      const attempt =
        this.current.status === 'connecting' || this.current.status === 'pairing' ? this.current.attempt : 1;
      const retryInMs = retryDelayMs(attempt);
      const reason = event.reason !== '' ? event.reason : `connection closed (${event.code})`;
      this.dispatch({ type: 'lost', reason, retryInMs });
      if (this.current.status === 'waiting' && this.options.autoReconnect !== false) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.dispatch({ type: 'retry' });
          this.openSocket();
        }, retryInMs);
      }
    };
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') {
      const frame = data instanceof ArrayBuffer || data instanceof Uint8Array ? decodeBinaryFrame(data) : null;
      if (frame?.ok) for (const listener of this.frameListeners) listener(frame.value);
      else
        this.emitLocalError(
          'BAD_BINARY_FRAME',
          frame?.message ?? 'the companion sent a binary frame of an unknown type',
        );
      return;
    }
    const parsed = parseServerMessage(data);
    if (!parsed.ok) {
      this.emitLocalError(parsed.code, `the companion sent an invalid message: ${parsed.message}`);
      return;
    }
    const message = parsed.value;
    const id = 'id' in message ? message.id : undefined;
    if (id !== undefined && id === this.hello?.id) return this.finishHello(message);
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (id === undefined || pending === undefined) {
      for (const listener of this.eventListeners) listener(message);
      return;
    }
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (message.type === 'error') pending.reject(new DaemonRequestError(message.code, message.message));
    else pending.resolve(message);
  }

  /** Handled synchronously (not through a promise), so requests made right after `ready` find the state set. */
  private finishHello(reply: ServerMessage): void {
    if (this.hello !== null) clearTimeout(this.hello.timer);
    this.hello = null;
    if (reply.type === 'hello.ok') this.dispatch({ type: 'accepted', companionVersion: reply.companionVersion });
    else if (reply.type === 'error' && fatalCodes.has(reply.code)) this.refuse(reply.code, reply.message);
    // Anything else is worth another attempt: closing leads to a retry.
    else this.socket?.close(4000, `unexpected reply to hello: ${reply.type}`);
  }

  private helloTimeout(socket: WebSocket): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      if (this.socket === socket) socket.close(4000, 'no reply to hello');
    }, this.requestTimeoutMs());
  }

  private refuse(code: ErrorCode, message: string): void {
    this.dispatch({ type: 'refused', code, message });
    this.socket?.close(1000, 'refused');
  }

  private emitLocalError(code: ErrorCode, message: string): void {
    for (const listener of this.eventListeners) listener({ v: PROTOCOL_VERSION, type: 'error', code, message });
  }

  private rejectAll(code: ErrorCode, message: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new DaemonRequestError(code, message));
      this.pending.delete(id);
    }
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private dispatch(event: ConnectionEvent): void {
    const next = transition(this.current, event);
    if (next === this.current) return;
    this.current = next;
    for (const listener of this.stateListeners) listener(next);
  }
}
