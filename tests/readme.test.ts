// README documents the contracts: its error table must equal the closed set, and each message type needs an example.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorTable } from '../scripts/error-table.ts';
import { clientMessageExamples, serverMessageExamples } from '../shared/src/protocol/message-examples.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists exactly the error codes of shared/src/protocol/error-codes.ts (regenerate: npx tsx scripts/error-table.ts)', () => {
    expect(readme).toContain(errorTable());
  });

  it('shows a JSON example of every protocol message type', () => {
    const types = [...Object.keys(clientMessageExamples), ...Object.keys(serverMessageExamples)];
    const missing = types.filter((t) => !readme.includes(`"type":"${t}"`));
    expect(missing).toEqual([]);
  });

  it('gives the two quick-start commands', () => {
    expect(readme).toMatch(/npm ci && npm start/);
    expect(readme).toMatch(/npm ci && npm test/);
  });
});
