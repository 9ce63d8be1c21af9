// A package's recommended settings, and how the one resolver (edit-settings.ts) combines them with presets and requests.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EditRequest } from '../../../shared/src/protocol/edit-request.ts';
import { exampleEditRequest } from '../../../shared/src/protocol/message-examples.ts';
import { requestSettings } from '../engine-host/request-settings.ts';
import { resolveEditSettings, type Recommended } from './edit-settings.ts';
import type { RecommendedSample, RecommendedTrain } from './package-settings.ts';
import {
  PACKAGE_SETTINGS_FILE,
  readPackageQuickStrengthAsync,
  readPackageSampleSettingsAsync,
  readPackageSettingsAsync,
} from './package-settings.ts';
import { PRESETS, validateSampleSettings } from './settings.ts';

/** What a daemon request trains and samples with, given the model's recommendations (the daemon's path, edit-run.ts). */
const trainOf = (request: EditRequest, train: RecommendedTrain, sample: RecommendedSample = {}) =>
  resolveEditSettings(request.preset, { train, sample }, requestSettings(request)).train;
const sampleOf = (request: EditRequest, sample: RecommendedSample) =>
  resolveEditSettings(request.preset, { train: {}, sample } satisfies Recommended, requestSettings(request)).sample;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagic-pkg-settings-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const write = (value: unknown) =>
  writeFile(join(dir, PACKAGE_SETTINGS_FILE), typeof value === 'string' ? value : JSON.stringify(value));
const recommended = {
  adapterRank: 32,
  adapterAlpha: 32,
  adapterTargets: ['to_q', 'conv'],
  tuneLr: 5e-4,
  tuneLrSchedule: 'cosine',
} as const;

describe('imagic_settings.json', () => {
  it('is optional, and read back as given', async () => {
    expect(await readPackageSettingsAsync(dir)).toEqual({});
    expect(await readPackageSampleSettingsAsync(dir)).toEqual({});
    await write({ train: recommended, reason: 'measured' });
    expect(await readPackageSettingsAsync(dir)).toEqual(recommended);
    expect(await readPackageSampleSettingsAsync(dir)).toEqual({});
    await write({ train: {}, sample: { guidanceScale: 3 }, reason: 'measured' });
    expect(await readPackageSampleSettingsAsync(dir)).toEqual({ guidanceScale: 3 });
    await write({ train: {}, sample: { guidanceScale: 3, eta: 1 }, reason: 'measured' });
    expect(await readPackageSampleSettingsAsync(dir)).toEqual({ guidanceScale: 3, eta: 1 });
  });

  it("recommends a quick edit's strength, and refuses one outside (0, 1] as MODEL_INVALID", async () => {
    expect(await readPackageQuickStrengthAsync(dir)).toBeUndefined();
    await write({ train: {}, quick: { strength: 0.7 }, reason: 'measured' });
    expect(await readPackageQuickStrengthAsync(dir)).toBe(0.7);
    await write({ train: {}, quick: { strength: 1.5 }, reason: 'measured' });
    await expect(readPackageQuickStrengthAsync(dir)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(/quick\.strength/),
    });
  });

  it('recommends per preset over its general recommendation, step counts and samplers included', async () => {
    await write({
      train: { embedLr: 1e-2, tuneLr: 1e-3 },
      sample: { guidanceScale: 3, eta: 1.2 },
      presets: {
        quick: {
          train: { embedSteps: 40, embedLr: 0.1, embedLrSchedule: 'cosine', tuneSteps: 300 },
          sample: { steps: 20, sampler: 'dpmpp2m' },
        },
      },
      reason: 'measured',
    });
    expect(await readPackageSettingsAsync(dir, 'quick')).toEqual({
      embedSteps: 40,
      embedLr: 0.1,
      embedLrSchedule: 'cosine',
      tuneSteps: 300,
      tuneLr: 1e-3,
    });
    expect(await readPackageSettingsAsync(dir, 'community')).toEqual({ embedLr: 1e-2, tuneLr: 1e-3 });
    expect(await readPackageSettingsAsync(dir)).toEqual({ embedLr: 1e-2, tuneLr: 1e-3 });
    expect(await readPackageSampleSettingsAsync(dir, 'quick')).toEqual({
      guidanceScale: 3,
      eta: 1.2,
      steps: 20,
      sampler: 'dpmpp2m',
    });
    expect(await readPackageSampleSettingsAsync(dir, 'paper')).toEqual({ guidanceScale: 3, eta: 1.2 });
  });

  it("gives a request without step counts the model's for its preset, else the preset's; a request's own win", () => {
    const { embedSteps: _e, tuneSteps: _t, ...fineTune } = exampleEditRequest.fineTune;
    const request = EditRequest.parse({ ...exampleEditRequest, fineTune });
    expect(trainOf(request, { embedSteps: 40, tuneSteps: 300 })).toMatchObject({ embedSteps: 40, tuneSteps: 300 });
    expect(trainOf(request, {})).toMatchObject({
      embedSteps: PRESETS[request.preset].train.embedSteps,
      tuneSteps: PRESETS[request.preset].train.tuneSteps,
    });
    expect(trainOf(EditRequest.parse(exampleEditRequest), { embedSteps: 40, tuneSteps: 300 })).toMatchObject({
      embedSteps: exampleEditRequest.fineTune.embedSteps,
      tuneSteps: exampleEditRequest.fineTune.tuneSteps,
    });
  });

  it.each([
    ['a preset that does not exist', { train: {}, presets: { turbo: { train: { embedSteps: 5 } } }, reason: '' }],
    ['a sampler that does not exist', { train: {}, presets: { quick: { sample: { sampler: 'lms' } } }, reason: '' }],
    ['not JSON', '{ nope'],
    ['an unknown field', { train: { tuneSteps: 5 }, reason: '' }],
    ['a rank of 0', { train: { adapterRank: 0 }, reason: '' }],
    ['no reason', { train: {} }],
    ['a guidance out of range', { train: {}, sample: { guidanceScale: 99 }, reason: '' }],
    ['an η out of range', { train: {}, sample: { eta: 5 }, reason: '' }],
  ])('is refused with MODEL_INVALID when it has %s', async (_, value) => {
    await write(value);
    await expect(readPackageSettingsAsync(dir)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringContaining(PACKAGE_SETTINGS_FILE),
    });
  });

  it("fills in the adapters a request leaves to the companion (rank 0), and never overrides a request's own", () => {
    const auto = EditRequest.parse({
      ...exampleEditRequest,
      fineTune: { ...exampleEditRequest.fineTune, adapterRank: 0, adapterTargets: [] },
    });
    const own = EditRequest.parse({
      ...exampleEditRequest,
      fineTune: { ...exampleEditRequest.fineTune, adapterRank: 4, adapterTargets: ['to_k'], tuneLr: 1e-3 },
    });
    expect(trainOf(auto, recommended)).toMatchObject({ ...recommended, tuneSteps: auto.fineTune.tuneSteps });
    expect(trainOf(auto, {})).toMatchObject({
      adapterRank: PRESETS[auto.preset].train.adapterRank,
      tuneLr: PRESETS[auto.preset].train.tuneLr,
    });
    expect(trainOf(own, recommended)).toMatchObject({ adapterRank: 4, adapterTargets: ['to_k'], tuneLr: 1e-3 });
  });

  it("gives a request without a stage-1 rate the model's recommended one, else the preset's; a request's own wins", () => {
    const { embedLr: _, ...fineTune } = exampleEditRequest.fineTune;
    const request = EditRequest.parse({ ...exampleEditRequest, fineTune });
    expect(request.fineTune.embedLr).toBeUndefined();
    expect(trainOf(request, { embedLr: 1e-2 }).embedLr).toBe(1e-2);
    expect(trainOf(request, {}).embedLr).toBe(PRESETS[request.preset].train.embedLr);
    expect(
      trainOf(EditRequest.parse({ ...exampleEditRequest, fineTune: { ...fineTune, embedLr: 3e-3 } }), { embedLr: 1e-2 })
        .embedLr,
    ).toBe(3e-3);
  });

  it("gives a request without a guidance scale the model's recommended one, else the preset's; a request's own wins", () => {
    const { guidanceScale: _, ...sampling } = exampleEditRequest.sampling;
    const request = EditRequest.parse({ ...exampleEditRequest, sampling });
    expect(request.sampling.guidanceScale).toBeUndefined();
    expect(sampleOf(request, { guidanceScale: 3 }).guidanceScale).toBe(3);
    expect(sampleOf(request, {}).guidanceScale).toBe(PRESETS[request.preset].sample.guidanceScale);
    expect(
      sampleOf(EditRequest.parse({ ...exampleEditRequest, sampling: { ...request.sampling, guidanceScale: 5 } }), {
        guidanceScale: 3,
      }).guidanceScale,
    ).toBe(5);
  });

  it("gives a request without late-step fading the model's recommended one, else none; a request's own wins, and validates it", () => {
    const request = EditRequest.parse(exampleEditRequest);
    expect(request.sampling.lateAdapters).toBeUndefined();
    const recommended = { from: 0.5, scale: 0.3 };
    expect(sampleOf(request, { lateAdapters: recommended }).lateAdapters).toEqual(recommended);
    expect(sampleOf(request, {}).lateAdapters).toBeUndefined();
    const own = { from: 0.2, scale: 1 };
    expect(
      sampleOf(EditRequest.parse({ ...exampleEditRequest, sampling: { ...request.sampling, lateAdapters: own } }), {
        lateAdapters: recommended,
      }).lateAdapters,
    ).toEqual(own);
    expect(
      EditRequest.safeParse({
        ...exampleEditRequest,
        sampling: { ...request.sampling, lateAdapters: { from: 0.5, scale: 2 } },
      }).success,
    ).toBe(false);
    expect(() =>
      validateSampleSettings({
        etas: [1],
        seeds: [1],
        steps: 10,
        guidanceScale: 3,
        sampler: 'ddim',
        lateAdapters: { from: -0.1, scale: 0.3 },
      }),
    ).toThrow(/lateAdapters.from/);
  });

  it('gives the same edit the same settings through the CLI and through the daemon', () => {
    // The CLI's flags for what the example request states, through the same resolver.
    const request = EditRequest.parse(exampleEditRequest);
    const recommended: Recommended = {
      train: { embedLr: 1e-2, tuneLr: 2e-3, tuneLrSchedule: 'cosine' },
      sample: { guidanceScale: 3, eta: 1.2, lateAdapters: { from: 0.5, scale: 0.2 } },
    };
    const { embedSteps, tuneSteps, embedLr } = request.fineTune;
    const { etas, seeds, steps, sampler, guidanceScale } = request.sampling;
    const cli = resolveEditSettings(request.preset, recommended, {
      train: { embedSteps, tuneSteps, embedLr },
      sample: { etas, seeds, steps, sampler, guidanceScale },
    });
    expect(resolveEditSettings(request.preset, recommended, requestSettings(request))).toEqual(cli);
    expect(cli.train).toMatchObject({ tuneLr: 2e-3, tuneLrSchedule: 'cosine', seed: 0 });
    expect(cli.sample).toMatchObject({ guidanceScale, lateAdapters: { from: 0.5, scale: 0.2 }, etas });
  });
});
