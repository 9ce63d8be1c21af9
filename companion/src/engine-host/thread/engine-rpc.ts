// The messages between the daemon and its engine thread. A call carries an id; its progress events, and finally
// `done` or `failed`, carry the same id. `abort` cancels a call (the engine stops before its next step). Errors
// cross as {code, message} and become ImagicError again on the daemon's side. Pixel buffers are moved, not copied.
import type { EditRequest, SamplingSettings } from '../../../../shared/src/protocol/edit-request.ts';
import type { ErrorCode } from '../../../../shared/src/protocol/error-codes.ts';
import type { JobCost } from '../../../../shared/src/protocol/job-info.ts';
import type { LearnedInfo, LearnRequest } from '../../../../shared/src/protocol/learn-request.ts';
import type { ProviderSetting } from '../../runtime/worker/provider-choice.ts';
import type { RgbaImage } from '../../images/decode-image.ts';
import type { RegionRequest } from '../../engine/edit-run.ts';
import type { EditMask } from '../../engine/edit-region.ts';
import type { EngineProgress, RenderedOutput } from '../edit-engine.ts';
import type { RunnerState } from '../engine-status.ts';

export type EngineThreadData = { dataDir: string; provider?: ProviderSetting };

export type EngineCall =
  | { method: 'startEdit'; editId: string; request: EditRequest; image: RgbaImage; region?: RegionRequest }
  | { method: 'render'; editId: string; sampling: SamplingSettings; region?: RegionRequest }
  | { method: 'learn'; request: LearnRequest; images: RgbaImage[] }
  | { method: 'close' };

export type ToEngine =
  { type: 'call'; id: number; call: EngineCall } | { type: 'abort'; id: number; code: ErrorCode; message: string };

export type FromEngine =
  | { type: 'progress'; id: number; progress: EngineProgress }
  | { type: 'done'; id: number; outputs: RenderedOutput[]; cost?: JobCost; mask?: EditMask; learned?: LearnedInfo }
  | { type: 'failed'; id: number; code: string; message: string }
  | { type: 'state'; state: RunnerState }
  | { type: 'log'; level: 'info' | 'warn'; message: string };

/** A view's bytes in a buffer of their own, so the buffer can be moved to the other thread without detaching more. */
export function ownBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const whole =
    bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return whole ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
}
