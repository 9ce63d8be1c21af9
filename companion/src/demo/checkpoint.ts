// Resumable training: the optimiser state (weights, Adam moments, weight average, step) and the run's history in one
// file, written atomically (temp file + rename) so that a run killed mid-write resumes from the previous checkpoint.
// Layout: 4-byte little-endian header length, a JSON header, then every tensor's float32 bytes in header order.
// A checkpoint records a hash of the config that produced it and is refused under any other config.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fail } from '../errors.ts';
import type { DemoConfig } from './demo-config.ts';
import type { OptimizerState } from './optimizer.ts';

export interface TrainingHistory {
  /** Mean (weighted) loss and gradient norm per logging window, with the step it ends at. */
  readonly losses: { readonly step: number; readonly loss: number; readonly gradNorm?: number }[];
  /** Wall time spent training so far, across resumptions. */
  wallMs: number;
  /** CPU time (user + system, all threads) over the same span: the fair figure on a shared machine. */
  cpuMs: number;
}

interface Header {
  readonly configHash: string;
  readonly step: number;
  readonly history: TrainingHistory;
  readonly tensors: { readonly group: 'params' | 'm' | 'v' | 'ema'; readonly name: string; readonly length: number }[];
}

const GROUPS = ['params', 'm', 'v', 'ema'] as const;

/** Hash of everything that shapes the run except the step count (a longer run may resume a shorter one). */
export function configHash(config: DemoConfig): string {
  const { steps: _steps, ...train } = config.train;
  return createHash('sha256')
    .update(JSON.stringify({ ...config, train }))
    .digest('hex')
    .slice(0, 16);
}

export async function saveCheckpoint(
  path: string,
  config: DemoConfig,
  state: OptimizerState,
  history: TrainingHistory,
): Promise<void> {
  const tensors: Header['tensors'][number][] = [];
  const blobs: Uint8Array[] = [];
  for (const group of GROUPS) {
    for (const [name, values] of state[group]) {
      tensors.push({ group, name, length: values.length });
      blobs.push(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    }
  }
  const header = Buffer.from(
    JSON.stringify({ configHash: configHash(config), step: state.step, history, tensors } satisfies Header),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, Buffer.concat([length, header, ...blobs]));
  await rename(tmp, path);
}

/** The saved state, or undefined when there is no checkpoint; throws when it was made under another config. */
export async function loadCheckpoint(
  path: string,
  config: DemoConfig,
): Promise<{ state: OptimizerState; history: TrainingHistory } | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
  const headerLength = bytes.readUInt32LE(0);
  const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as Header;
  if (header.configHash !== configHash(config)) {
    fail(
      'CHECKPOINT_MISMATCH',
      `checkpoint ${path} was made with another demo config (${header.configHash}, now ${configHash(config)}); delete it or pass --fresh`,
    );
  }
  const state: OptimizerState = { step: header.step, params: new Map(), m: new Map(), v: new Map(), ema: new Map() };
  let offset = 4 + headerLength;
  for (const t of header.tensors) {
    // A copy: the file buffer's offsets are not 4-byte aligned in general.
    const values = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * t.length),
    );
    state[t.group].set(t.name, values);
    offset += 4 * t.length;
  }
  return { state, history: header.history };
}
