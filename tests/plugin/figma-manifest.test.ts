// manifest.json may let the plugin reach the companion and nothing else, and must point at what the build writes.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT } from '../../shared/src/protocol/defaults.ts';

const manifest = JSON.parse(await readFile(new URL('../../manifest.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
> & {
  networkAccess: Record<string, unknown>;
};
const companion = [`http://localhost:${DEFAULT_PORT}`, `ws://localhost:${DEFAULT_PORT}`];

describe('manifest.json (Figma)', () => {
  it('names the plugin and its built files', () => {
    expect(manifest).toMatchObject({
      name: 'Imagic',
      api: '1.0.0',
      main: 'plugin/dist/main.js',
      ui: 'plugin/dist/ui.html',
      editorType: ['figma'],
      documentAccess: 'dynamic-page',
    });
    expect(manifest['id']).toEqual(expect.any(String));
  });

  it('allows only the companion, in production and development, and says why', () => {
    const { allowedDomains, devAllowedDomains, reasoning, ...rest } = manifest.networkAccess;
    expect(rest).toEqual({});
    expect([...(allowedDomains as string[])].sort()).toEqual(companion);
    if (devAllowedDomains !== undefined) expect([...(devAllowedDomains as string[])].sort()).toEqual(companion);
    expect(reasoning).toMatch(/localhost/);
  });
});
