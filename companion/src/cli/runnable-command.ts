// How to run `imagic <sub>` from where the user is. After `npm ci` the bin is not on PATH: inside the project `npx
// imagic` finds it, but outside it npx asks the registry for an unrelated package of that name. So the banner names
// `npx imagic` inside the project and the bin's own path elsewhere (or plain `imagic` once `npm link` put it on PATH).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/imagic.mjs', import.meta.url));
const PROJECT = path.resolve(path.dirname(BIN), '..', '..');

export const quote = (p: string): string => (/[\s"'$`\\]/.test(p) ? JSON.stringify(p) : p);

/** True when `dir` is this project or inside it (npx resolves the bin from node_modules/.bin there). */
const insideProject = (dir: string): boolean => {
  const rel = path.relative(PROJECT, dir);
  return !rel.startsWith('..') && !path.isAbsolute(rel) && existsSync(path.join(PROJECT, 'node_modules', '.bin'));
};

export function runnableCommand(sub: string, cwd = process.cwd()): string {
  return insideProject(cwd) ? `npx imagic ${sub}` : `node ${quote(BIN)} ${sub}`;
}
