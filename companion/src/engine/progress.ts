// What a running edit reports, and how it is stopped: one progress event per step of every stage, and an
// AbortSignal checked between steps (a step in flight always finishes; the next one never starts).
import { fail } from '../errors.ts';

export type Stage = 'load' | 'encode' | 'embed' | 'finetune' | 'sample' | 'learn';

export interface ProgressEvent {
  readonly stage: Stage;
  /** 1-based step within the stage. */
  readonly step: number;
  readonly total: number;
  /** The step's loss (training stages only). */
  readonly loss?: number;
  /** The whole job's time left, once there is enough to go on (progress-estimate.ts). */
  readonly secondsLeft?: number;
}

export interface RunHooks {
  readonly onProgress?: (event: ProgressEvent) => void;
  readonly signal?: AbortSignal;
  /** Something the user should know before the work starts (e.g. prompt words the model does not know). */
  readonly onWarning?: (message: string) => void;
}

/** Throws CANCELLED when the signal has fired. */
export function checkCancelled(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) fail('CANCELLED', `cancelled during ${where}`);
}
