import { describe, expect, it } from 'vitest';
import { EditRequest, FineTuneSettings, SamplingSettings } from './edit-request.ts';
import { exampleEditRequest } from './message-examples.ts';

const { sampling, fineTune } = exampleEditRequest;

const issuePaths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) =>
  (result.error?.issues ?? []).map((issue) => issue.path.join('.'));

describe('EditRequest', () => {
  it('accepts the example request unchanged', () => {
    expect(EditRequest.parse(exampleEditRequest)).toEqual(exampleEditRequest);
  });

  it.each([
    ['image.width', { image: { ...exampleEditRequest.image, width: 4097 } }],
    ['image.height', { image: { ...exampleEditRequest.image, height: 4 } }],
    ['image.sha256', { image: { ...exampleEditRequest.image, sha256: 'E3B0' } }],
    ['prompt', { prompt: '   ' }],
    ['prompt', { prompt: '' }],
    ['workingResolutionPx', { workingResolutionPx: 500 }],
    ['workingResolutionPx', { workingResolutionPx: 2048 }],
    ['preset', { preset: 'slow' }],
  ])('rejects a bad %s', (path, patch) => {
    expect(issuePaths(EditRequest.safeParse({ ...exampleEditRequest, ...patch }))).toEqual([path]);
  });
});

describe('EditRequest, mode quick', () => {
  const quick = { ...exampleEditRequest, mode: 'quick', fineTune: {}, sampling: { ...sampling, etas: [1] } };

  it('accepts a quick edit with or without its strength, and strength 1 (generation from the prompt)', () => {
    expect(EditRequest.safeParse(quick).success).toBe(true);
    expect(EditRequest.safeParse({ ...quick, strength: 0.45 }).success).toBe(true);
    expect(EditRequest.safeParse({ ...quick, strength: 1 }).success).toBe(true);
  });

  it.each([
    ['strength', { strength: 0 }],
    ['strength', { strength: 1.01 }],
    ['mode', { mode: 'sdedit' }],
    ['sampling.etas', { sampling: { ...sampling, etas: [0.7] } }],
    ['fineTune', { fineTune: { embedSteps: 10 } }],
  ])('rejects a bad %s', (path, patch) => {
    expect(issuePaths(EditRequest.safeParse({ ...quick, ...patch }))).toEqual([path]);
  });

  it('refuses a strength on an Imagic edit, naming what sets it there', () => {
    const result = EditRequest.safeParse({ ...exampleEditRequest, strength: 0.5 });
    expect(issuePaths(result)).toEqual(['strength']);
    expect(result.error?.issues[0]?.message).toMatch(/sampling\.etas/);
  });

  it('takes a subject adapter in either mode, by a word without spaces', () => {
    expect(EditRequest.safeParse({ ...quick, subject: '<dog>' }).success).toBe(true);
    expect(EditRequest.safeParse({ ...exampleEditRequest, subject: '<dog>' }).success).toBe(true);
    expect(issuePaths(EditRequest.safeParse({ ...exampleEditRequest, subject: 'my dog' }))).toEqual(['subject']);
  });
});

describe('SamplingSettings', () => {
  it.each([
    ['etas.0', { etas: [2.01] }],
    ['etas.0', { etas: [-0.51] }],
    ['etas', { etas: [] }],
    ['seeds.0', { seeds: [2 ** 32] }],
    ['seeds.0', { seeds: [-1] }],
    ['seeds.0', { seeds: [1.5] }],
    ['seeds', { seeds: Array.from({ length: 17 }, (_, i) => i) }],
    ['steps', { steps: 0 }],
    ['steps', { steps: 201 }],
    ['guidanceScale', { guidanceScale: 31 }],
    ['sampler', { sampler: 'plms' }],
  ])('rejects a bad %s', (path, patch) => {
    expect(issuePaths(SamplingSettings.safeParse({ ...sampling, ...patch }))).toEqual([path]);
  });

  it('accepts the eta range ends -0.5 and 2 and uint32 seeds up to 2^32-1', () => {
    expect(SamplingSettings.safeParse({ ...sampling, etas: [-0.5, 2], seeds: [0, 2 ** 32 - 1] }).success).toBe(true);
  });

  it('caps etas × seeds at the per-job output limit', () => {
    const eight = Array.from({ length: 8 }, (_, i) => i);
    expect(SamplingSettings.safeParse({ ...sampling, etas: eight.map((i) => i / 10), seeds: eight }).success).toBe(
      true,
    );
    const nine = Array.from({ length: 9 }, (_, i) => i);
    expect(
      issuePaths(SamplingSettings.safeParse({ ...sampling, etas: nine.map((i) => i / 10), seeds: [...nine, 9] })),
    ).toEqual(['seeds']);
  });

  it('rejects non-finite numbers', () => {
    expect(SamplingSettings.safeParse({ ...sampling, guidanceScale: Number.POSITIVE_INFINITY }).success).toBe(false);
    expect(SamplingSettings.safeParse({ ...sampling, etas: [Number.NaN] }).success).toBe(false);
  });
});

describe('FineTuneSettings', () => {
  it('accepts adapters with targets', () => {
    expect(FineTuneSettings.safeParse({ ...fineTune, adapterRank: 8, adapterTargets: ['to_q', 'to_v'] }).success).toBe(
      true,
    );
  });

  it('requires targets when adapterRank > 0', () => {
    expect(issuePaths(FineTuneSettings.safeParse({ ...fineTune, adapterRank: 4, adapterTargets: [] }))).toEqual([
      'adapterTargets',
    ]);
  });

  it('rejects repeated and unknown targets', () => {
    expect(
      issuePaths(FineTuneSettings.safeParse({ ...fineTune, adapterRank: 4, adapterTargets: ['to_q', 'to_q'] })),
    ).toEqual(['adapterTargets']);
    expect(FineTuneSettings.safeParse({ ...fineTune, adapterRank: 4, adapterTargets: ['mlp'] }).success).toBe(false);
  });

  it.each([
    ['embedLr', { embedLr: 0 }],
    ['tuneLr', { tuneLr: 0.5 }],
    ['embedSteps', { embedSteps: 5001 }],
    ['tuneSteps', { tuneSteps: -1 }],
    ['adapterRank', { adapterRank: 257, adapterTargets: ['to_q'] }],
  ])('rejects a bad %s', (path, patch) => {
    expect(issuePaths(FineTuneSettings.safeParse({ ...fineTune, ...patch }))).toEqual([path]);
  });
});

describe('the explicit fields', () => {
  it('takes the adapters as one object, or in the older three fields, never both', () => {
    const adapters = { rank: 4, targets: ['to_q', 'conv'], lr: 1e-3 };
    expect(FineTuneSettings.safeParse({ adapters }).success).toBe(true);
    expect(FineTuneSettings.safeParse({}).success).toBe(true);
    expect(issuePaths(FineTuneSettings.safeParse({ adapters: { ...adapters, targets: [] } }))).toEqual([
      'adapters.targets',
    ]);
    expect(
      issuePaths(FineTuneSettings.safeParse({ adapters, adapterRank: 4, adapterTargets: ['to_q'], tuneLr: 1e-3 })),
    ).toEqual(['adapters']);
    expect(issuePaths(FineTuneSettings.safeParse({ adapterRank: 4, adapterTargets: ['to_q'] }))).toEqual(['tuneLr']);
  });

  it('names the model and the output format when the client says, and leaves the image hash to the companion', () => {
    const { sha256: _, ...image } = exampleEditRequest.image;
    const request = { ...exampleEditRequest, image, model: 'sd15', outputFormat: 'rgba8' };
    expect(EditRequest.parse(request)).toEqual(request);
    expect(issuePaths(EditRequest.safeParse({ ...request, outputFormat: 'jpeg' }))).toEqual(['outputFormat']);
    expect(issuePaths(EditRequest.safeParse({ ...request, model: '../etc' }))).toEqual(['model']);
  });
});
