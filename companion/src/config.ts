// Daemon settings: safe defaults, overridable per start, validated when the daemon is constructed.
import { BINARY_FRAME_HEADER_BYTES } from '../../shared/src/protocol/binary-frame.ts';
import { MAX_IMAGE_BYTES } from '../../shared/src/protocol/defaults.ts';
import type { ProviderSetting } from './runtime/worker/provider-choice.ts';
import type { Logger } from './log.ts';

/** Loopback only: binding 0.0.0.0 would expose the GPU and the user's images to the network. */
export const LOOPBACK_HOST = '127.0.0.1';

/** ws refuses bigger frames before buffering them; the largest legal frame is one maximal raw RGBA8 image. */
export const MAX_WS_PAYLOAD_BYTES = BINARY_FRAME_HEADER_BYTES + MAX_IMAGE_BYTES;

export type DaemonOptions = {
  /** 0 lets the OS pick a free port (tests); the port actually bound is in RunningDaemon.port. */
  port: number;
  dataDir: string;
  logger: Logger;
  /** An unpaired socket is closed after this long. */
  helloTimeoutMs: number;
  /** Uploads kept per socket until an `edit.start` names them; the oldest goes first. */
  maxUploadsPerSession: number;
  /** Reported in `status` and enforced by the job queue (QUEUE_FULL) once it lands. */
  queueCapacity: number;
  /** Failed pairings allowed per window across all sockets before every hello is refused with RATE_LIMITED. */
  pairingMaxFailures: number;
  pairingWindowMs: number;
  /** Exact Origin values to accept besides none, "null" and the companion's own; e.g. Photoshop UXP once known. */
  extraOrigins: readonly string[];
  /** Finished jobs whose records and results the journal keeps for reconnecting clients; older ones are pruned. */
  keepFinishedJobs: number;
  /** The engine's execution provider; auto picks the best available. */
  provider?: ProviderSetting;
  /** Where the log file lives, for diagnostics; the logger itself is the caller's. */
  logDir?: string;
};

export const defaultDaemonOptions = {
  helloTimeoutMs: 10_000,
  maxUploadsPerSession: 4,
  queueCapacity: 8,
  pairingMaxFailures: 20,
  pairingWindowMs: 60_000,
  extraOrigins: [],
  keepFinishedJobs: 50,
} as const satisfies Partial<DaemonOptions>;

export function validateDaemonOptions(options: DaemonOptions): DaemonOptions {
  const { port, helloTimeoutMs, maxUploadsPerSession, queueCapacity } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new RangeError(`port must be an integer in 0..65535, got ${port}`);
  if (!(helloTimeoutMs > 0)) throw new RangeError('helloTimeoutMs must be > 0');
  if (!Number.isInteger(maxUploadsPerSession) || maxUploadsPerSession < 1)
    throw new RangeError('maxUploadsPerSession must be ≥ 1');
  if (!Number.isInteger(queueCapacity) || queueCapacity < 1) throw new RangeError('queueCapacity must be ≥ 1');
  if (options.dataDir.trim() === '') throw new RangeError('dataDir must not be empty');
  if (!Number.isInteger(options.keepFinishedJobs) || options.keepFinishedJobs < 1)
    throw new RangeError('keepFinishedJobs must be ≥ 1');
  return options;
}
