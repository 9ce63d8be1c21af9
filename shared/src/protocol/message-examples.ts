// One valid example of every message, keyed by type. The mapped types make the compiler flag a message type
// without an example; tests round-trip all of them, and README's protocol table is written from them.
import { errorCodes } from './error-codes.ts';
import type { EditRequest } from './edit-request.ts';
import type { ClientMessage, ClientMessageType, MessageOf, ServerMessage, ServerMessageType } from './messages.ts';
import { PROTOCOL_VERSION } from './version.ts';

const v = PROTOCOL_VERSION;
const jobId = '5f0c2a9e4b7d41e8a3c6d2b19e8f7a60';
const editId = '0e4d1c7b9a2f48e6b5d3c1a0f9e8d7c6';

export const exampleEditRequest: EditRequest = {
  image: {
    frameId: '9b1f6c2d8e3a4f5b0c7d1e2f3a4b5c6d',
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    width: 768,
    height: 512,
  },
  prompt: 'a photo of a sitting dog',
  preset: 'community',
  fineTune: { embedSteps: 500, embedLr: 1e-3, tuneSteps: 1000, tuneLr: 2e-6, adapterRank: 0, adapterTargets: [] },
  sampling: { etas: [0.6, 0.7, 0.8], seeds: [1, 2], steps: 50, guidanceScale: 7.5, sampler: 'ddim' },
  workingResolutionPx: 512,
};

export const clientMessageExamples: { [T in ClientMessageType]: MessageOf<ClientMessage, T> } = {
  hello: {
    v,
    type: 'hello',
    id: 'r1',
    client: 'figma',
    clientVersion: '0.1.0',
    token: 'q3Jx0V8mC2lY1oTtN9dKbE4uWf7sZaPhR6gMiL5vXcA',
  },
  'edit.start': { v, type: 'edit.start', id: 'r2', request: exampleEditRequest },
  'edit.render': {
    v,
    type: 'edit.render',
    id: 'r3',
    editId,
    sampling: { etas: [0.9], seeds: [7], steps: 30, guidanceScale: 3, sampler: 'euler' },
  },
  'learn.start': {
    v,
    type: 'learn.start',
    id: 'r15',
    request: {
      images: [0, 1, 2].map((i) => ({ frameId: `${'0'.repeat(31)}${i + 1}`, width: 256, height: 256 })),
      token: '<my-logo>',
      initWord: 'logo',
    },
  },
  'job.cancel': { v, type: 'job.cancel', id: 'r4', jobId },
  'edits.list': { v, type: 'edits.list', id: 'r5' },
  'edit.delete': { v, type: 'edit.delete', id: 'r6', editId },
  status: { v, type: 'status', id: 'r7' },
  'jobs.list': { v, type: 'jobs.list', id: 'r9' },
  'job.fetch': { v, type: 'job.fetch', id: 'r10', jobId },
  'queue.pause': { v, type: 'queue.pause', id: 'r11' },
  'queue.resume': { v, type: 'queue.resume', id: 'r12' },
  'models.list': { v, type: 'models.list', id: 'r13' },
  'models.default': { v, type: 'models.default', id: 'r14', modelId: 'sd15-onnx' },
};

export const serverMessageExamples: { [T in ServerMessageType]: MessageOf<ServerMessage, T> } = {
  'hello.ok': { v, type: 'hello.ok', id: 'r1', companionVersion: '0.1.0' },
  'job.queued': { v, type: 'job.queued', id: 'r2', jobId, editId, position: 0 },
  'job.progress': {
    v,
    type: 'job.progress',
    jobId,
    stage: 'embed',
    step: 120,
    total: 500,
    loss: 0.0831,
    secondsLeft: 42,
  },
  'job.result': {
    v,
    type: 'job.result',
    jobId,
    editId,
    outputs: [{ index: 0, eta: 0.7, seed: 1, width: 768, height: 512, format: 'png', byteLength: 581234 }],
  },
  'job.error': { v, type: 'job.error', jobId, code: 'CANCELLED', message: 'cancelled by the client' },
  'edits.list.result': {
    v,
    type: 'edits.list.result',
    id: 'r5',
    edits: [
      {
        editId,
        prompt: 'a photo of a sitting dog',
        preset: 'community',
        width: 768,
        height: 512,
        createdAt: '2025-01-31T12:00:00.000Z',
        state: 'ready',
      },
    ],
  },
  ok: { v, type: 'ok', id: 'r6' },
  'status.result': {
    v,
    type: 'status.result',
    id: 'r7',
    companionVersion: '0.1.0',
    device: null,
    executionProvider: null,
    model: { state: 'none', code: 'NO_MODEL', hint: errorCodes.NO_MODEL },
    queue: { running: 0, queued: 0, capacity: 8 },
    paused: false,
    currentJob: null,
    eventLoop: { p50Ms: 0.4, p99Ms: 12.4, maxMs: 21.7, windowS: 30 },
    recentErrors: [
      {
        at: '2025-01-31T12:00:00.000Z',
        code: 'UPLOAD_NOT_FOUND',
        message: 'no upload frame with id 9b1f6c2d8e3a4f5b0c7d1e2f3a4b5c6d on this connection',
      },
    ],
  },
  'jobs.list.result': {
    v,
    type: 'jobs.list.result',
    id: 'r9',
    jobs: [
      {
        jobId,
        editId,
        kind: 'edit',
        state: 'running',
        position: null,
        client: 'figma',
        prompt: 'a photo of a sitting dog',
        createdAt: '2025-01-31T12:00:00.000Z',
        finishedAt: null,
        progress: { stage: 'finetune', step: 300, total: 1000, loss: 0.0412, secondsLeft: 95 },
      },
    ],
  },
  'models.list.result': {
    v,
    type: 'models.list.result',
    id: 'r13',
    models: [
      {
        modelId: 'sd15-onnx',
        isDefault: true,
        bytes: 2_755_000_000,
        source: 'hub:onnx-community/stable-diffusion-v1-5-ONNX@main',
      },
    ],
    modelsDir: '/home/me/.local/share/imagic/models',
  },
  error: {
    v,
    type: 'error',
    id: 'r8',
    code: 'INVALID_FIELD',
    message: 'edit.start.request.sampling.steps: Too big: expected number to be <=200',
  },
};
