// What the CLI suites share: a tiny package and a test picture written once per file, the fast settings, and the
// checks of a PNG output and of a coded error line.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, expect } from 'vitest';
import { encodePng } from '../../companion/src/images/model-input.ts';
import { tempRoot, testPicture, tinyPackage } from './support.ts';

/** Each test spawns the CLI or the daemon (a Node process with tsx, 1–2 s to start) a few times. */
export const CLI_TIMEOUT_MS = 60_000;
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const picture = testPicture(48, 40, true);
export const FAST = [
  '--preset',
  'fast',
  '--embed-steps',
  '3',
  '--tune-steps',
  '3',
  '--steps',
  '3',
  '--provider',
  'cpu',
];

/** A temp folder with the tiny package and the picture as a PNG, for the file's tests; removed after them. */
export function cliFixture(name: string) {
  const fixture = { root: '', modelDir: '', imagePath: '' };
  let cleanup: () => Promise<void> = async () => undefined;
  beforeAll(async () => {
    const root = await tempRoot(name);
    cleanup = root.cleanup;
    fixture.root = root.dir;
    fixture.modelDir = (await tinyPackage(root.dir, 'model')).dir;
    fixture.imagePath = join(root.dir, 'input.png');
    await writeFile(fixture.imagePath, await encodePng(picture.rgba, picture.width, picture.height));
  });
  afterAll(async () => cleanup());
  return fixture;
}

export const lastJson = (stdout: string) => JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;

/** A PNG of the picture's size with the picture's alpha. */
export async function expectPng(file: string) {
  const { data, info } = await sharp(await readFile(file))
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([picture.width, picture.height]);
  const alpha = (rgba: Uint8Array) => Array.from(rgba.filter((_, i) => i % 4 === 3));
  expect(alpha(new Uint8Array(data))).toEqual(alpha(picture.rgba));
}

/** Exit non-zero with exactly one line on stderr that starts with the code, and no stack trace. */
export function expectCoded(res: { code: number | null; stderr: string }, code: string) {
  expect(res.code).not.toBe(0);
  const lines = res.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^${code}: `));
  expect(res.stderr).not.toMatch(/\n\s+at /);
}
