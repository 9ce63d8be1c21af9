// Prints README's error-code table from the closed set in shared/src/protocol/error-codes.ts.
// tests/readme.test.ts fails when README and the code disagree: regenerate with `npx tsx scripts/error-table.ts`.
import { errorCodes } from '../shared/src/protocol/error-codes.ts';

export function errorTable(): string {
  const rows = Object.entries(errorCodes).map(([code, hint]) => `| \`${code}\` | ${hint.replaceAll('|', '\\|')} |`);
  return ['| code | what to do |', '| --- | --- |', ...rows].join('\n');
}

if (process.argv[1]?.endsWith('error-table.ts')) process.stdout.write(`${errorTable()}\n`);
