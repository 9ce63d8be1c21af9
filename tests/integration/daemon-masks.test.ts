// Automatic masks through the daemon, on the demo model (the tiny model's random UNet reads every text the same, so
// DiffEdit finds nothing there): the job result names the mask it used and sends it as a `mask` frame after the
// outputs; every pixel outside it comes back exactly; job.fetch sends it again.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairAsync, startTestDaemonAsync, type Inbox, type TestDaemon } from './support/daemon-harness.ts';
import { FAST_SAMPLING, ofType, uploadAsync } from './support/edit-fixtures.ts';

let daemon: TestDaemon;
let inbox: Inbox;
const layerFile = new URL('../../docs/examples/blue-square.png', import.meta.url);

beforeAll(async () => {
  daemon = await startTestDaemonAsync({ withModel: 'demo' });
  inbox = await pairAsync(daemon);
});
afterAll(async () => {
  inbox?.socket.close();
  await daemon?.stopAsync();
});

const rgbaOf = async (png: Uint8Array) => new Uint8Array(await sharp(png).ensureAlpha().raw().toBuffer());

describe('an automatic mask (region kind auto)', () => {
  it('comes back as a mask frame after the outputs, and the outputs keep every pixel outside it', async () => {
    const layer = await readFile(layerFile);
    const { data, info } = await sharp(layer).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const picture = { width: info.width, height: info.height, rgba: new Uint8Array(data) };
    const image = await uploadAsync(inbox, picture);
    const request = {
      image,
      prompt: 'a yellow square on a white background',
      preset: 'fast' as const,
      mode: 'quick' as const,
      fineTune: {},
      sampling: { ...FAST_SAMPLING, etas: [1], steps: 20 },
      workingResolutionPx: 256,
      region: { kind: 'auto' as const, sourcePrompt: 'a blue square on a white background' },
    };
    const queued = await inbox.requestAsync({ type: 'edit.start', id: 'a1', request });
    if (queued.type !== 'job.queued') throw new Error(`expected job.queued, got ${JSON.stringify(queued)}`);
    const { message } = await inbox.untilAsync(ofType('job.result', queued.jobId));
    expect(message.mask).toMatchObject({ width: 32, height: 32, format: 'png' });
    expect(message.cost?.mask).toBe(20);
    const output = await inbox.nextFrameAsync();
    const maskFrame = await inbox.nextFrameAsync();
    expect(maskFrame).toMatchObject({ kind: 'mask', id: queued.jobId, width: 32, height: 32 });
    expect(maskFrame.payload.length).toBe(message.mask?.byteLength);
    const [out, mask] = [await rgbaOf(output.payload), await rgbaOf(maskFrame.payload)];
    let kept = 0;
    let keptMax = 0;
    for (let p = 0; p < 32 * 32; p++) {
      if (mask[4 * p]! >= 128) continue;
      kept++;
      for (let c = 0; c < 3; c++) keptMax = Math.max(keptMax, Math.abs(out[4 * p + c]! - picture.rgba[4 * p + c]!));
    }
    expect(kept).toBeGreaterThan(100);
    expect(keptMax).toBe(0);

    // job.fetch sends the result again, mask frame included.
    const again = await inbox.requestAsync({ type: 'job.fetch', id: 'a2', jobId: queued.jobId });
    expect(again).toMatchObject({ type: 'job.result', id: 'a2', mask: message.mask });
    await inbox.nextFrameAsync();
    const resent = await inbox.nextFrameAsync();
    expect(Buffer.compare(resent.payload, maskFrame.payload)).toBe(0);
  });
});
