// Test support for jobs: uploading a picture on a socket and edit requests small enough for the tiny model.
import { createHash, randomBytes } from 'node:crypto';
import { encodeBinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import type { EditRequest, ImageRef, SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import type { MessageOf, ServerMessage, ServerMessageType } from '../../../shared/src/protocol/messages.ts';
import { encodePng } from '../../../companion/src/images/model-input.ts';
import type { RgbaImage } from '../../../companion/src/images/decode-image.ts';
import { testPicture } from '../../engine/support.ts';
import type { Inbox } from './daemon-harness.ts';

export { testPicture };

/** Sends `picture` as an upload frame (PNG or raw RGBA8) and returns the ImageRef an edit.start names it by. */
export async function uploadAsync(
  inbox: Inbox,
  picture: RgbaImage = testPicture(48, 40, true),
  format: 'png' | 'rgba8' = 'png',
  kind: 'upload' | 'mask' = 'upload',
): Promise<ImageRef> {
  const payload = format === 'png' ? await encodePng(picture.rgba, picture.width, picture.height) : picture.rgba;
  const frameId = randomBytes(16).toString('hex');
  const frame = encodeBinaryFrame({
    kind,
    id: frameId,
    index: 0,
    width: picture.width,
    height: picture.height,
    format,
    payload,
  });
  if (!frame.ok) throw new Error(frame.message);
  inbox.socket.send(frame.value);
  return {
    frameId,
    sha256: createHash('sha256').update(payload).digest('hex'),
    width: picture.width,
    height: picture.height,
  };
}

export const FAST_SAMPLING: SamplingSettings = { etas: [0.7], seeds: [1], steps: 2, guidanceScale: 3, sampler: 'ddim' };

/** A few steps per stage: seconds on the tiny model. adapterRank 0 takes the preset's adapters. */
export function fastEditRequest(
  image: ImageRef,
  overrides: { embedSteps?: number; tuneSteps?: number; sampling?: Partial<SamplingSettings> } = {},
): EditRequest {
  return {
    image,
    prompt: 'a photo of a cat',
    preset: 'fast',
    fineTune: {
      embedSteps: overrides.embedSteps ?? 3,
      embedLr: 1e-3,
      tuneSteps: overrides.tuneSteps ?? 3,
      tuneLr: 1e-3,
      adapterRank: 0,
      adapterTargets: [],
    },
    sampling: { ...FAST_SAMPLING, ...overrides.sampling },
    workingResolutionPx: 256,
  };
}

/** A type guard for Inbox.untilAsync. */
export const ofType =
  <T extends ServerMessageType>(type: T, jobId?: string) =>
  (m: ServerMessage): m is MessageOf<ServerMessage, T> =>
    m.type === type && (jobId === undefined || !('jobId' in m) || m.jobId === jobId);

/** A mask frame: the `change` predicate's pixels white (may change), the rest black. Returns its frame id. */
export async function uploadMaskAsync(
  inbox: Inbox,
  width: number,
  height: number,
  change: (x: number, y: number) => boolean,
): Promise<string> {
  const rgba = new Uint8Array(4 * width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      rgba.fill(change(x, y) ? 255 : 0, i, i + 3);
      rgba[i + 3] = 255;
    }
  return (await uploadAsync(inbox, { width, height, rgba }, 'png', 'mask')).frameId;
}
