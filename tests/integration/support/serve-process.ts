// Test support: `imagic serve` as a child process, as a user runs it, with its stdout watched.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const imagicBin = fileURLToPath(new URL('../../../companion/bin/imagic.mjs', import.meta.url));

/**
 * Collects a child's stdout; `waitFor` resolves once the text seen so far matches, so a line that arrived in an
 * earlier chunk (before the wait began) still counts.
 */
export function watchStdout(child: ChildProcess) {
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
    for (const w of waiters.splice(0))
      w.reject(new Error(`exited with ${code} before printing ${w.pattern}; stdout: ${seen}`));
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

export type ServeProcess = { child: ChildProcess; port: number; stderr: () => string; exited: Promise<number | null> };

/** Starts `imagic serve --port 0` on `dataDir` (engine on cpu, no tray) and waits until it listens. */
export async function spawnServeAsync(dataDir: string, extraArgs: string[] = []): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [imagicBin, 'serve', '--port', '0', '--data-dir', dataDir, '--tray', 'off', '--provider', 'cpu', ...extraArgs],
    {
      env: { ...process.env, IMAGIC_DATA_DIR: '' },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const out = watchStdout(child);
  const [, port] = await out.waitFor(/listening on http:\/\/localhost:(\d+)/);
  await out.waitFor(/Press Ctrl\+C to stop/);
  return { child, port: Number(port), stderr: () => stderr, exited };
}
