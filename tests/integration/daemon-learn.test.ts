// Learn jobs through the daemon, on the demo model: three uploaded layers and `learn.start` queue a job whose progress
// reads stage `learn` and whose `job.result` has no images and `learned` (the word and its own file); `status` then
// offers the word among the model's prompts, a later edit understands it, and `job.fetch` answers with the same result.
// A token the vocabulary has, and too few layers, are refused before anything is queued.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installConvAdapterAsync } from '../fixtures/lora-modules.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomScene, renderScene, SCENE_SIZE, withSlots } from '../../companion/src/demo/scene.ts';
import { readLearnedEmbeds } from '../../companion/src/models/learned-embeds.ts';
import { Rng } from '../../companion/src/util/rng.ts';
import type { MessageOf, ServerMessage } from '../../shared/src/protocol/messages.ts';
import { pairAsync, startTestDaemonAsync, type Inbox, type TestDaemon } from './support/daemon-harness.ts';
import { FAST_SAMPLING, fastEditRequest, ofType, uploadAsync } from './support/edit-fixtures.ts';

let daemon: TestDaemon;
let inbox: Inbox;

beforeAll(async () => {
  daemon = await startTestDaemonAsync({ withModel: 'demo' });
  inbox = await pairAsync(daemon);
});
afterAll(async () => {
  inbox?.socket.close();
  await daemon?.stopAsync();
});

const rng = new Rng(21);
const layer = () => ({
  width: SCENE_SIZE,
  height: SCENE_SIZE,
  rgba: renderScene(withSlots(randomScene(rng), { colour: 'yellow', shape: 'triangle' })),
});

describe('a learn job', { timeout: 120_000 }, () => {
  it('teaches the model a word that status offers and a later edit understands', async () => {
    const images = [];
    for (let i = 0; i < 3; i++) images.push(await uploadAsync(inbox, layer()));
    const request = { images, token: '<tri>', initWord: 'circle', steps: 20 };
    const queued = await inbox.requestAsync({ type: 'learn.start', id: 'l1', request });
    if (queued.type !== 'job.queued') throw new Error(`expected job.queued, got ${JSON.stringify(queued)}`);
    const isProgress = ofType('job.progress', queued.jobId);
    const { message: progress } = await inbox.untilAsync(
      (m): m is MessageOf<ServerMessage, 'job.progress'> => isProgress(m) && m.stage === 'learn',
    );
    expect(progress).toMatchObject({ stage: 'learn', total: 20 });
    const { message } = await inbox.untilAsync(ofType('job.result', queued.jobId));
    expect(message.outputs).toEqual([]);
    expect(message.learned).toMatchObject({ token: '<tri>', kind: 'embedding' });
    expect(message.cost?.learn).toBe(20 * (1 + message.cost!.backward_ratio));
    const words = readLearnedEmbeds(await readFile(message.learned!.file), 64);
    expect(words.map((w) => w.token)).toEqual(['<tri>']);

    const status = await inbox.requestAsync({ type: 'status', id: 'l2' });
    if (status.type !== 'status.result') throw new Error(`expected status.result, got ${status.type}`);
    const model = status.model;
    expect(model.state === 'none' ? [] : model.prompts?.learned).toEqual(['<tri>']);
    expect(model.state === 'none' ? null : model.learned).toEqual({ words: ['<tri>'], adapters: [] });

    const again = await inbox.requestAsync({ type: 'job.fetch', id: 'l3', jobId: queued.jobId });
    expect(again).toMatchObject({ type: 'job.result', id: 'l3', learned: message.learned, outputs: [] });

    const edit = await inbox.requestAsync({
      type: 'edit.start',
      id: 'l4',
      request: {
        image: await uploadAsync(inbox, layer()),
        prompt: 'a <tri> on a black background',
        preset: 'fast',
        mode: 'quick',
        fineTune: {},
        sampling: { ...FAST_SAMPLING, etas: [1], steps: 5 },
        workingResolutionPx: 256,
      },
    });
    if (edit.type !== 'job.queued') throw new Error(`expected job.queued, got ${JSON.stringify(edit)}`);
    const result = await inbox.untilAsync(ofType('job.result', edit.jobId));
    expect(result.message.outputs).toHaveLength(1);
    await inbox.nextFrameAsync();
  });

  it('switches a subject adapter on for an Imagic edit and its re-render; a word without one is refused at once', async () => {
    const modelDir = join(daemon.dataDir, 'models', 'demo');
    await installConvAdapterAsync(daemon.dataDir, modelDir, 'circle', 2, new Rng(3));
    const input = layer();
    const edit = async (id: string, subject?: string) => {
      const request = {
        ...fastEditRequest(await uploadAsync(inbox, input), { sampling: { seeds: [4] } }),
        prompt: 'a red circle on a black background',
        ...(subject ? { subject } : {}),
      };
      return inbox.requestAsync({ type: 'edit.start', id, request });
    };
    const queued = await edit('s1', 'circle');
    if (queued.type !== 'job.queued') throw new Error(`expected job.queued, got ${JSON.stringify(queued)}`);
    const { message: result } = await inbox.untilAsync(ofType('job.result', queued.jobId));
    expect(result.outputs).toHaveLength(1);
    const first = await inbox.nextFrameAsync();
    const render = await inbox.requestAsync({
      type: 'edit.render',
      id: 's2',
      editId: queued.editId!,
      sampling: { ...FAST_SAMPLING, seeds: [4] },
    });
    if (render.type !== 'job.queued') throw new Error(`expected job.queued, got ${JSON.stringify(render)}`);
    await inbox.untilAsync(ofType('job.result', render.jobId));
    // The same trained edit under the same subject renders the same pixels.
    expect(Buffer.compare((await inbox.nextFrameAsync()).payload, first.payload)).toBe(0);

    // The same edit without the subject comes out otherwise.
    const plain = await edit('s4');
    if (plain.type !== 'job.queued') throw new Error(`expected job.queued, got ${JSON.stringify(plain)}`);
    await inbox.untilAsync(ofType('job.result', plain.jobId));
    expect(Buffer.compare((await inbox.nextFrameAsync()).payload, first.payload)).not.toBe(0);

    // A word without an adapter is refused before anything is queued.
    const unknown = await edit('s3', '<nope>');
    expect(unknown).toMatchObject({ type: 'error', code: 'INVALID_SPEC' });
    expect(unknown.type === 'error' && unknown.message).toMatch(
      /no subject adapter “<nope>” for this model; its adapters: circle/,
    );
  });

  it.each([
    ['a token the vocabulary has', { token: 'red', count: 3 }, 'INVALID_SPEC', /already in this model's vocabulary/],
    ['two layers', { token: '<new>', count: 2 }, 'INVALID_FIELD', /images/],
  ])('refuses %s before queuing anything', async (_what, change, code, message) => {
    const images = [];
    for (let i = 0; i < change.count; i++) images.push(await uploadAsync(inbox, layer()));
    const before = await inbox.requestAsync({ type: 'jobs.list', id: 'j1' });
    const reply = await inbox.requestAsync({
      type: 'learn.start',
      id: 'l9',
      request: { images, token: change.token, initWord: 'circle' },
    });
    expect(reply).toMatchObject({ type: 'error', code });
    expect(reply.type === 'error' ? reply.message : '').toMatch(message);
    const after = await inbox.requestAsync({ type: 'jobs.list', id: 'j2' });
    expect(after.type === 'jobs.list.result' && after.jobs.length).toBe(
      before.type === 'jobs.list.result' && before.jobs.length,
    );
  });
});
