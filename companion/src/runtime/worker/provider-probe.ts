// Is a GPU provider worth using here? onnxruntime-node cannot say which adapter a provider got: WebGPU takes whatever
// Dawn offers, which on a machine without a GPU can be a software rasteriser (SwiftShader, llvmpipe, Windows' WARP),
// about 500× slower than the CPU provider; DirectML can land on WARP too. So `auto` measures instead: a child process
// times the same ~1 GFLOP graph on the CPU provider and on the candidate, and the candidate is used only if it is not
// slower. The child also keeps the native runtime's start-up noise (Vulkan warnings with build paths, "XDG_RUNTIME_DIR
// is invalid") out of the companion's terminal: its stderr is kept as detail for the log, not printed.
import { spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Provider } from '../ort-session.ts';

export const PROBE_SIZE = 512;
export const PROBE_RUNS = 3;
/** A candidate slower than this many times the CPU provider is treated as a software adapter. */
export const SOFTWARE_RATIO = 1;
/** What the candidate may take, from its session being ready, for the warm-up and the timed runs, beyond their CPU time. */
const GPU_SLACK_MS = 5_000;
/** The whole probe, child start-up included (tsx, onnxruntime's load, shader compilation). */
const PROBE_TIMEOUT_MS = 60_000;

export type ProbeLine = { phase: 'cpu' | 'gpu'; ms: number } | { phase: 'ready' } | { phase: 'error'; message: string };

export interface ProbeResult {
  /** Use the candidate. */
  readonly usable: boolean;
  /** One line for the provider report: the probe's times, or why the candidate was not used. */
  readonly reason: string;
  /** The child's stderr (the native runtime's own lines), for logs. */
  readonly detail: string;
}

const CHILD = fileURLToPath(new URL('./provider-probe-bootstrap.mjs', import.meta.url));

/**
 * The Vulkan loader and Mesa complain on stderr when XDG_RUNTIME_DIR is unset or not a private folder of ours (common
 * under sudo, ssh and services). Point it at one, for this process and its children, before any GPU runtime starts.
 */
export function ensureRuntimeDir(env: NodeJS.ProcessEnv = process.env): void {
  const current = env['XDG_RUNTIME_DIR'];
  const uid = userInfo().uid;
  if (current) {
    try {
      const st = statSync(current);
      if (st.isDirectory() && st.uid === uid && (st.mode & 0o077) === 0) return;
    } catch {
      // missing: make our own below
    }
  }
  const own = join(tmpdir(), `imagic-runtime-${uid}`);
  mkdirSync(own, { recursive: true, mode: 0o700 });
  env['XDG_RUNTIME_DIR'] = own;
}

/**
 * A failure as a short reason: the session wrapper's prefix and onnxruntime's source location and check expression
 * dropped ("…webgpu_context.cc:136 …::<lambda()> adapter_result.status == … was false. Failed to get a WebGPU
 * adapter: No supported adapters" becomes "Failed to get a WebGPU adapter: No supported adapters").
 */
export function shortReason(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err))
    .replace(/^creating an? \w+ session failed: /, '')
    .trim();
  const afterCheck = message.match(/ was false\. (.+)$/s)?.[1] ?? message.replace(/^\/\S+:\d+ \S+ /, '');
  return afterCheck.split('\n')[0]!.slice(0, 160);
}

const ms = (x: number) => (x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);

/** Times `provider` against the CPU provider in a child process; never throws. */
export function probeProviderAsync(provider: Provider): Promise<ProbeResult> {
  ensureRuntimeDir();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, provider], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let stdout = '';
    let stderr = '';
    let cpuMs: number | undefined;
    let settled = false;
    const finish = (usable: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      clearTimeout(gpuDeadline);
      child.kill('SIGKILL');
      resolve({ usable, reason, detail: stderr.trim().slice(-2000) });
    };
    const overall = setTimeout(
      () => finish(false, `${provider}: no answer from the probe in ${PROBE_TIMEOUT_MS / 1000} s`),
      PROBE_TIMEOUT_MS,
    );
    let gpuDeadline: ReturnType<typeof setTimeout> | undefined;
    const onLine = (line: ProbeLine) => {
      if (line.phase === 'cpu') cpuMs = line.ms;
      else if (line.phase === 'ready') {
        const budget = GPU_SLACK_MS + (PROBE_RUNS + 1) * SOFTWARE_RATIO * (cpuMs ?? 0);
        gpuDeadline = setTimeout(
          () =>
            finish(
              false,
              `${provider} is a software adapter or slower than the CPU provider (a ${PROBE_SIZE}² MatMul probe took over ${ms(budget)}; cpu ${ms(cpuMs ?? 0)})`,
            ),
          budget,
        );
      } else if (line.phase === 'gpu') {
        const cpu = cpuMs ?? 0;
        const usable = line.ms <= cpu * SOFTWARE_RATIO;
        finish(
          usable,
          usable
            ? `${provider} ${ms(line.ms)} vs cpu ${ms(cpu)} on a ${PROBE_SIZE}² MatMul probe`
            : `${provider} is a software adapter or slower than the CPU provider (${ms(line.ms)} vs cpu ${ms(cpu)} on a ${PROBE_SIZE}² MatMul probe)`,
        );
      } else if (line.phase === 'error') finish(false, `${provider} failed: ${shortReason(line.message)}`);
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      let nl: number;
      while ((nl = stdout.indexOf('\n')) >= 0) {
        const text = stdout.slice(0, nl).trim();
        stdout = stdout.slice(nl + 1);
        if (text.startsWith('{')) onLine(JSON.parse(text) as ProbeLine);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => finish(false, `${provider}: the probe did not start (${err.message})`));
    child.on('close', (code) => finish(false, `${provider}: the probe exited (${code}) without an answer`));
  });
}
