// The `imagic` CLI as a user runs it, in a child process: pair prints the code on its last line, serve starts,
// answers /health, and stops cleanly on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../companion/bin/imagic.mjs', import.meta.url));
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'imagic-cli-'));
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

const runAsync = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, IMAGIC_DATA_DIR: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

/**
 * Collects a child's stdout; `waitFor` resolves once the text seen so far matches, so a line that arrived in an
 * earlier chunk (before the wait began) still counts.
 */
function watchStdout(child: ChildProcess) {
  let seen = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const match = seen.match(w.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(match);
      }
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    check();
  });
  child.on('close', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`exited with ${code} before printing ${w.pattern}; stdout: ${seen}`));
  });
  return {
    text: () => seen,
    waitFor: (pattern: RegExp) =>
      new Promise<RegExpMatchArray>((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      }),
  };
}

describe('imagic pair', () => {
  it('prints the stored code on its last line and keeps it in a 0600 file', async () => {
    const first = await runAsync(['pair', '--data-dir', dataDir]);
    expect(first.code).toBe(0);
    const lastLine = first.stdout.trimEnd().split('\n').at(-1);
    const file = path.join(dataDir, 'pairing-token');
    expect(lastLine).toBe((await readFile(file, 'utf8')).trim());
    expect(lastLine).toMatch(/^[A-Za-z0-9_-]{43}$/);
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await runAsync(['pair', '--data-dir', dataDir])).stdout.trimEnd().split('\n').at(-1)).toBe(lastLine);
  });
});

describe('imagic serve', () => {
  it('prints where it listens and how to get a model, serves /health, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir]);
    const out = watchStdout(child);
    const [, port] = await out.waitFor(/listening on http:\/\/localhost:(\d+)/);
    await out.waitFor(/Press Ctrl\+C to stop/);
    expect(out.text()).toContain('No model installed');
    expect(out.text()).toContain('imagic models add <dir>');

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await health.json()).toMatchObject({ ok: true, model: 'none' });

    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.text()).toContain('Imagic companion stopped.');
  });

  it('rejects a bad --port before starting', async () => {
    const result = await runAsync(['serve', '--port', 'seventy', '--data-dir', dataDir]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('expected an integer in 0..65535');
  });
});
