import { describe, expect, it } from 'vitest';
import { gridEtas, sliderEtaFor } from './etas.ts';
import { quickRequest, sliderStrengthFor } from './quick.ts';
import { EditRequest } from '../../../shared/src/protocol/edit-request.ts';
import { describeProgress, formatDuration } from './job-progress.ts';
import { MAX_RECENT_PROMPTS, rememberPrompt } from './recent-prompts.ts';
import { parseSeeds, resolveSeeds } from './seeds.ts';

describe('parseSeeds', () => {
  it('reads a count, a list, and a single explicit seed', () => {
    expect(parseSeeds(' 4 ')).toEqual({
      ok: true,
      spec: { kind: 'count', count: 4 },
      label: '4 variations, random seeds',
    });
    expect(parseSeeds('3, 7 42')).toEqual({
      ok: true,
      spec: { kind: 'list', seeds: [3, 7, 42] },
      label: 'seeds 3, 7, 42',
    });
    expect(parseSeeds('7,')).toEqual({ ok: true, spec: { kind: 'list', seeds: [7] }, label: 'seed 7' });
    expect(parseSeeds('3,3,4')).toMatchObject({ spec: { seeds: [3, 4] } });
  });

  it.each(['', '0', '17', 'abc', '1, -2', '1.5,', `${2 ** 32},`, Array.from({ length: 17 }, (_, i) => i).join(',')])(
    'refuses %j with a hint',
    (text) => {
      expect(parseSeeds(text)).toMatchObject({ ok: false, message: expect.any(String) });
    },
  );

  it('resolves a count to consecutive seeds from one random start', () => {
    expect(resolveSeeds({ kind: 'count', count: 3 }, () => 41)).toEqual([41, 42, 43]);
    expect(resolveSeeds({ kind: 'list', seeds: [9, 1] }, () => 0)).toEqual([9, 1]);
  });
});

describe('gridEtas', () => {
  it('spreads ±0.1 around η, clamped to the accepted range, without float noise', () => {
    expect(gridEtas(0.7, true)).toEqual([0.6, 0.7, 0.8]);
    expect(gridEtas(0.7, false)).toEqual([0.7]);
    expect(gridEtas(2, true)).toEqual([1.9, 2]);
    expect(gridEtas(-0.5, true)).toEqual([-0.5, -0.4]);
  });
});

describe('rememberPrompt', () => {
  it('puts the newest first, without repeats, normalised, capped', () => {
    expect(rememberPrompt(['a', 'b'], '  b ')).toEqual(['b', 'a']);
    expect(rememberPrompt([], ' make  the dog\nsit ')).toEqual(['make the dog sit']);
    expect(rememberPrompt(['a'], '   ')).toEqual(['a']);
    expect(
      rememberPrompt(
        Array.from({ length: 20 }, (_, i) => `p${i}`),
        'new',
      ),
    ).toHaveLength(MAX_RECENT_PROMPTS);
  });
});

describe('describeProgress', () => {
  it('names the stage and shows step, loss and time left', () => {
    expect(describeProgress({ stage: 'embed', step: 120, total: 500, loss: 0.08312, secondsLeft: 42 })).toEqual({
      label: 'Stage 1 of 3 · optimizing the text embedding',
      percent: 24,
      detail: 'step 120 of 500 · loss 0.0831 · about 42 s left',
    });
    expect(describeProgress({ stage: 'sample', step: 5, total: 10 }).detail).toBe('step 5 of 10');
    expect([formatDuration(59.4), formatDuration(125), formatDuration(3725)]).toEqual([
      '59 s',
      '2 min 5 s',
      '1 h 2 min',
    ]);
  });
});

describe('sliderEtaFor', () => {
  it("starts the slider at the model's recommended η, on a slider step within its range; null keeps it", () => {
    expect(sliderEtaFor(1)).toBe(1);
    expect(sliderEtaFor(0.83)).toBe(0.85);
    expect(sliderEtaFor(1.6)).toBe(1.6);
    expect(sliderEtaFor(2.4)).toBe(2);
    expect(sliderEtaFor(-0.2)).toBe(0);
    expect(sliderEtaFor(undefined)).toBeNull();
  });
});

describe('quick edits', () => {
  it("start the strength slider at the model's recommendation, on a step within (0, 1]; null keeps it", () => {
    expect(sliderStrengthFor(0.7)).toBe(0.7);
    expect(sliderStrengthFor(0.33)).toBe(0.35);
    expect(sliderStrengthFor(0.01)).toBe(0.05);
    expect(sliderStrengthFor(undefined)).toBeNull();
  });

  it('ask for the target text alone, every seed for the grid and the first for a preview, and train nothing', () => {
    const state = {
      preset: 'fast' as const,
      companion: null,
      subject: null,
      learned: { words: [] as string[], adapters: [] as string[] },
    };
    const grid = quickRequest(state, 'a red circle', [3, 9], 0.45, { grid: true });
    expect(grid).not.toHaveProperty('subject');
    expect(grid).toMatchObject({ mode: 'quick', strength: 0.45, fineTune: {}, sampling: { etas: [1], seeds: [3, 9] } });
    // What the companion accepts (its refinements included).
    const image = { frameId: '0'.repeat(32), width: 64, height: 64 };
    expect(EditRequest.safeParse({ ...grid, image }).error).toBeUndefined();
    expect(quickRequest(state, 'a red circle', [3, 9], 0.45, { grid: false, steps: 4 }).sampling).toMatchObject({
      seeds: [3],
      steps: 4,
    });
    // A subject adapter switched on goes with the request while the model still has it.
    const learned = { words: ['<dog>'], adapters: ['<dog>'] };
    const withSubject = quickRequest({ ...state, subject: '<dog>', learned }, 'a <dog> dog', [3], 0.6, { grid: true });
    expect(withSubject.subject).toBe('<dog>');
    expect(EditRequest.safeParse({ ...withSubject, image }).error).toBeUndefined();
    const gone = { words: ['<dog>'], adapters: [] };
    expect(
      quickRequest({ ...state, subject: '<dog>', learned: gone }, 'a dog', [3], 0.6, { grid: true }),
    ).not.toHaveProperty('subject');
  });
});
