// Bad input exits non-zero with one coded line on stderr and no stack trace; unexpected errors are INTERNAL
// and keep their stack only when IMAGIC_DEBUG is set.
import { CommanderError } from 'commander';
import type { ErrorCode } from '../../../shared/src/protocol/error-codes.ts';
import { ImagicError } from '../errors.ts';

/**
 * Hints in the CLI's words where the shared ones speak of the panel (README's table is the protocol's): a CLI user has
 * no selection to export, no list of saved edits in a panel, and no protocol messages.
 */
export const CLI_HINTS: Readonly<Partial<Record<ErrorCode, string>>> = {
  EDIT_NOT_FOUND:
    'No saved edit has that id; it may have been deleted. List saved edits with `imagic edits list`, or make a new one with `imagic edit`.',
  EDIT_STALE:
    'The saved edit no longer matches its model (the model was removed or changed) or its files are damaged. Make a new one with `imagic edit`.',
  IMAGE_TOO_LARGE: 'Scale the image down to at most 4096 px on each side.',
  IMAGE_UNSUPPORTED: 'Give a PNG or JPEG file (a Figma or Photoshop layer exported as PNG works).',
};

export const cliHint = (err: ImagicError): string => CLI_HINTS[err.code] ?? err.hint;

export function printCliError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode || 2;
  if (err instanceof ImagicError) {
    process.stderr.write(`${err.toLine(cliHint(err))}\n`);
    return 2;
  }
  const wrapped = new ImagicError('INTERNAL', err instanceof Error ? err.message : String(err));
  process.stderr.write(`${wrapped.toLine()}\n`);
  if (process.env['IMAGIC_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack ?? ''}\n`);
  return 1;
}
