// The outcome of validating untrusted input: never thrown, always a value the caller must inspect.
import type { ErrorCode } from './error-codes.ts';

export type Failure = {
  ok: false;
  code: ErrorCode;
  message: string;
  /** The request id, when the input carried a readable one, so the reply can be correlated. */
  id?: string;
};

export type Result<T> = { ok: true; value: T } | Failure;

export const succeed = <T>(value: T): Result<T> => ({ ok: true, value });

export const reject = (code: ErrorCode, message: string, id?: string): Failure =>
  id === undefined ? { ok: false, code, message } : { ok: false, code, message, id };
