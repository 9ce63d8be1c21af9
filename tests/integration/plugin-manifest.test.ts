// The Figma manifest and the shared defaults must agree: Figma lets the plugin reach only the listed URLs.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT } from '../../shared/src/protocol/defaults.ts';

const manifest = JSON.parse(await readFile(new URL('../../manifest.json', import.meta.url), 'utf8')) as {
  main: string;
  ui: string;
  editorType: string[];
  documentAccess: string;
  networkAccess: { allowedDomains: string[]; reasoning?: string };
};

describe('manifest.json', () => {
  it('allows exactly the companion on the default port', () => {
    expect(manifest.networkAccess.allowedDomains.sort()).toEqual([
      `http://localhost:${DEFAULT_PORT}`,
      `ws://localhost:${DEFAULT_PORT}`,
    ]);
    expect(manifest.networkAccess.reasoning).toMatch(/\S/);
  });

  it('points at the build outputs and uses dynamic page access', () => {
    expect(manifest).toMatchObject({
      main: 'plugin/dist/main.js',
      ui: 'plugin/dist/ui.html',
      documentAccess: 'dynamic-page',
      editorType: ['figma'],
    });
  });
});
