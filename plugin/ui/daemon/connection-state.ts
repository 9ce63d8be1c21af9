// The companion connection as an explicit state machine: every state the panel can show, and the only ways to move
// between them. DaemonClient feeds it events; the view renders the state. No I/O here, so it is tested directly.
import type { ErrorCode } from '../../../shared/src/protocol/error-codes.ts';

export type ConnectionState =
  | { status: 'idle' }
  | { status: 'connecting'; attempt: number }
  /** The socket is open and `hello` is sent; the companion has not accepted the pairing code yet. */
  | { status: 'pairing'; attempt: number }
  | { status: 'ready'; companionVersion: string }
  /** Lost or never reached; a retry is scheduled. */
  | { status: 'waiting'; attempt: number; retryInMs: number; reason: string }
  /** The companion refused us for a reason retrying cannot fix (wrong code, other protocol version): the user must act. */
  | { status: 'failed'; code: ErrorCode; message: string }
  | { status: 'closed' };

export type ConnectionEvent =
  | { type: 'connect' }
  | { type: 'opened' }
  | { type: 'accepted'; companionVersion: string }
  | { type: 'refused'; code: ErrorCode; message: string }
  | { type: 'lost'; reason: string; retryInMs: number }
  | { type: 'retry' }
  | { type: 'close' };

export type Status = ConnectionState['status'];

/**
 * Codes of a refused hello after which reconnecting would only repeat the failure. INVALID_FIELD: the hello itself is
 * malformed (a pasted code that is not a code), and the same hello would be refused again.
 */
export const fatalCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'PAIRING_FAILED',
  'INVALID_FIELD',
  'PAIRING_REQUIRED',
  'RATE_LIMITED',
  'PROTOCOL_VERSION_MISMATCH',
  'FORBIDDEN_ORIGIN',
  'FORBIDDEN_HOST',
]);

/** The next state, or the same object when the event means nothing in this state (e.g. a late `lost` after `close`). */
export function transition(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  switch (event.type) {
    case 'connect':
      return state.status === 'idle' ||
        state.status === 'failed' ||
        state.status === 'closed' ||
        state.status === 'waiting'
        ? { status: 'connecting', attempt: state.status === 'waiting' ? state.attempt : 1 }
        : state;
    case 'retry':
      return state.status === 'waiting' ? { status: 'connecting', attempt: state.attempt + 1 } : state;
    case 'opened':
      return state.status === 'connecting' ? { status: 'pairing', attempt: state.attempt } : state;
    case 'accepted':
      return state.status === 'pairing' ? { status: 'ready', companionVersion: event.companionVersion } : state;
    case 'refused':
      return state.status === 'closed' ? state : { status: 'failed', code: event.code, message: event.message };
    case 'lost': {
      if (
        state.status === 'failed' ||
        state.status === 'closed' ||
        state.status === 'idle' ||
        state.status === 'waiting'
      )
        return state;
      // A connection that had reached `ready` starts its backoff afresh; one that never got there keeps counting.
      const attempt = state.status === 'ready' ? 1 : state.attempt;
      return { status: 'waiting', attempt, retryInMs: event.retryInMs, reason: event.reason };
    }
    case 'close':
      return { status: 'closed' };
  }
}

/** Exponential backoff: 0.5 s, 1 s, 2 s … capped, so a companion started later is found within seconds. */
export const retryDelayMs = (attempt: number, initialMs = 500, maxMs = 10_000): number =>
  Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
