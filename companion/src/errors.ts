// One error type for the whole companion: a stable code from the shared closed set plus a specific message.
import { errorCodes, type ErrorCode } from '../../shared/src/protocol/error-codes.ts';

export class ImagicError extends Error {
  override readonly name = 'ImagicError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The code's hint, for humans: what to do next. */
  get hint(): string {
    return errorCodes[this.code];
  }

  /** One line: `CODE: message — hint`, with the hint for the interface showing it (the protocol's by default). */
  toLine(hint = this.hint): string {
    return `${this.code}: ${this.message.replace(/\s+/g, ' ').trim()} — ${hint}`;
  }
}

export const fail = (code: ErrorCode, message: string, cause?: unknown): never => {
  throw new ImagicError(code, message, cause === undefined ? undefined : { cause });
};
