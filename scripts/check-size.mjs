#!/usr/bin/env node
// Line budget (tinygrad's sz.py): no source file over 600 lines, and the autodiff stays small enough to read.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const HARD_LIMIT = 600;
const AUTODIFF_BUDGET = 2000;
const roots = ['shared', 'plugin', 'companion', 'tests', 'scripts'];
const skip = new Set(['node_modules', 'dist', '.cache']);

function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|mts|mjs|js)$/.test(name)) yield path;
  }
}

const lines = (path) => readFileSync(path, 'utf8').split('\n').length;
let failed = false;
let autodiff = 0;
for (const root of roots) {
  for (const path of files(root)) {
    const n = lines(path);
    if (path.startsWith('companion/src/autodiff/') && !path.endsWith('.test.ts')) autodiff += n;
    if (n > HARD_LIMIT) {
      console.error(`${path}: ${n} lines (limit ${HARD_LIMIT}); split it by concept`);
      failed = true;
    }
  }
}
if (autodiff > AUTODIFF_BUDGET) {
  console.error(`companion/src/autodiff: ${autodiff} lines (budget ${AUTODIFF_BUDGET})`);
  failed = true;
}
console.log(
  `check:size: autodiff ${autodiff}/${AUTODIFF_BUDGET} lines, no file over ${HARD_LIMIT}: ${failed ? 'FAIL' : 'ok'}`,
);
process.exit(failed ? 1 : 0);
