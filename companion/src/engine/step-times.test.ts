import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StepTimes, stepTimesKey } from './step-times.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagic-step-times-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

describe('step times', () => {
  it('keeps each model and provider apart, and blends a new job half and half into the old', async () => {
    const times = new StepTimes(dir);
    const demo = stepTimesKey('demo@1', 'cpu');
    expect(await times.readAsync(demo)).toEqual({});
    await times.recordAsync(demo, { embed: 0.02, finetune: 0.04 });
    await times.recordAsync(stepTimesKey('demo@1', 'webgpu'), { embed: 0.002 });
    await times.recordAsync(demo, { embed: 0.04, sample: 0.01 });
    expect(await new StepTimes(dir).readAsync(demo)).toEqual({ embed: 0.03, finetune: 0.04, sample: 0.01 });
    expect(await times.readAsync(stepTimesKey('demo@1', 'webgpu'))).toEqual({ embed: 0.002 });
  });

  it("keeps each stage's start-up beside its step time (a start-up may be 0)", async () => {
    const times = new StepTimes(dir);
    const key = stepTimesKey('m', 'cpu');
    await times.recordAsync(key, { embed: 0.02, embedStartup: 0.5, finetuneStartup: 0 });
    expect(await new StepTimes(dir).readAsync(key)).toEqual({ embed: 0.02, embedStartup: 0.5, finetuneStartup: 0 });
  });

  it('reads a damaged file as no history, and replaces it at the next job', async () => {
    await writeFile(join(dir, 'step-times.json'), '{ not json');
    const times = new StepTimes(dir);
    const key = stepTimesKey('m', 'cpu');
    expect(await times.readAsync(key)).toEqual({});
    await times.recordAsync(key, { embed: 1 });
    expect(await times.readAsync(key)).toEqual({ embed: 1 });
    await writeFile(join(dir, 'step-times.json'), JSON.stringify({ [key]: { embed: -1 } }));
    expect(await times.readAsync(key)).toEqual({});
  });
});
