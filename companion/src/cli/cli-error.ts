// Bad input exits non-zero with one coded line on stderr and no stack trace; unexpected errors are INTERNAL
// and keep their stack only when IMAGIC_DEBUG is set.
import { CommanderError } from 'commander';
import { ImagicError } from '../errors.ts';

export function printCliError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode || 2;
  if (err instanceof ImagicError) {
    process.stderr.write(`${err.toLine()}\n`);
    return 2;
  }
  const wrapped = new ImagicError('INTERNAL', err instanceof Error ? err.message : String(err));
  process.stderr.write(`${wrapped.toLine()}\n`);
  if (process.env['IMAGIC_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
  return 1;
}
