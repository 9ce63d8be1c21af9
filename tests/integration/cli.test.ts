// The `imagic` CLI as a user runs it, in a child process: pair prints the code on its last line, serve starts,
// answers /health, and stops cleanly on SIGTERM.
import { execSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagicBin, watchStdout } from './support/serve-process.ts';

/** Each test spawns the CLI or the daemon (a Node process with tsx, 1–2 s to start) a few times. */
const CLI_TIMEOUT_MS = 60_000;

const bin = imagicBin;
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

describe('imagic pair', { timeout: CLI_TIMEOUT_MS }, () => {
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

describe('imagic serve', { timeout: CLI_TIMEOUT_MS }, () => {
  it('names a pair command that works from where it was started, outside the project too', async () => {
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'imagic-cwd-'));
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir], {
      cwd: elsewhere,
      env: { ...process.env, IMAGIC_TRAY: 'off' },
    });
    const out = watchStdout(child);
    const [, command] = await out.waitFor(/Pair a plugin: run `([^`]+)`/);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    await exited;
    expect(command).toMatch(/^node .*imagic\.mjs pair --data-dir /);
    // Run exactly what it printed, from there: the last line is the code.
    const printed = execSync(command!, { cwd: elsewhere, encoding: 'utf8' }).trim().split('\n').at(-1);
    expect(printed).toBe((await readFile(path.join(dataDir, 'pairing-token'), 'utf8')).trim());
  });

  it('prints where it listens and how to get a model, serves /health, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, IMAGIC_TRAY: 'off' },
    });
    const out = watchStdout(child);
    const [, port] = await out.waitFor(/listening on http:\/\/localhost:(\d+)/);
    await out.waitFor(/Press Ctrl\+C to stop/);
    // The tray's "open dashboard" and "open models folder" have these CLI counterparts: the printed URL and folder.
    expect(out.text()).toContain(`Dashboard: http://localhost:${port}/`);
    expect(out.text()).toContain(`looked in ${path.join(dataDir, 'models')}`);
    expect(out.text()).toContain('No model installed');
    expect(out.text()).toContain('imagic models add <dir>');
    // Inside the project npx finds the bin.
    expect(out.text()).toContain(`run \`npx imagic pair --data-dir ${dataDir}\``);

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(await health.json()).toMatchObject({ ok: true, model: 'none' });

    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out.text()).toContain('Imagic companion stopped.');
    // Logs go to a rotating file in the data folder as well as stderr.
    expect(await readFile(path.join(dataDir, 'logs', 'companion.log'), 'utf8')).toMatch(/SIGTERM: shutting down/);
  });

  it('rejects a bad --port before starting', async () => {
    const result = await runAsync(['serve', '--port', 'seventy', '--data-dir', dataDir]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('expected an integer in 0..65535');
  });
});
