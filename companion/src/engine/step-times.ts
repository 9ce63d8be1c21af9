// Step times of earlier jobs, per model and provider, in <data-dir>/step-times.json: how long a step of each stage
// took on this machine, so that a job's estimate of stages it has not reached yet comes from what they really cost
// here rather than from a cost model (the demo model's stage-2 step costs twice its stage-1 step; the cost model says
// they are equal). Each job blends its measured rates into the stored ones. A missing or damaged file is no history:
// it only ever makes an estimate worse, never a job fail.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomicAsync } from '../util/atomic-write.ts';

/** Measured milliseconds per step (or per pass) by stage name (progress-estimate.ts's stages). */
export type StageRates = Partial<Record<string, number>>;

const FILE = 'step-times.json';
/** Weight of the newest job's rate: recent enough to follow a changed machine, steady enough to skip one noisy job. */
const NEWEST_WEIGHT = 0.5;
/** Keys kept: a machine runs few models. */
const MAX_KEYS = 32;

const Rate = z.number().positive().max(3600);
/** Seconds a stage takes to start (building and opening its graph), apart from its steps. */
const Startup = z.number().min(0).max(3600);
const StoredRates = z
  .strictObject({
    encode: Rate,
    embed: Rate,
    finetune: Rate,
    sample: Rate,
    encodeStartup: Startup,
    embedStartup: Startup,
    finetuneStartup: Startup,
    sampleStartup: Startup,
  })
  .partial();
const StoredFile = z.record(z.string().max(300), StoredRates);

export const stepTimesKey = (modelId: string, provider: string): string => `${modelId}|${provider}`;

export class StepTimes {
  private readonly file: string;

  constructor(private readonly dataDir: string) {
    this.file = join(dataDir, FILE);
  }

  async readAsync(key: string): Promise<StageRates> {
    return (await this.readAllAsync())[key] ?? {};
  }

  async recordAsync(key: string, measured: StageRates): Promise<void> {
    const all = await this.readAllAsync();
    const before = all[key] ?? {};
    const blended: StageRates = { ...before };
    for (const [stage, rate] of Object.entries(measured) as [string, number][]) {
      const old = before[stage];
      blended[stage] = old === undefined ? rate : NEWEST_WEIGHT * rate + (1 - NEWEST_WEIGHT) * old;
    }
    delete all[key];
    const kept = Object.entries(all).slice(-(MAX_KEYS - 1));
    await mkdir(this.dataDir, { recursive: true });
    await writeFileAtomicAsync(this.file, JSON.stringify(Object.fromEntries([...kept, [key, blended]])), {
      durable: false,
    });
  }

  private async readAllAsync(): Promise<Record<string, StageRates>> {
    try {
      const parsed = StoredFile.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      return parsed.success ? (parsed.data as Record<string, StageRates>) : {};
    } catch {
      return {};
    }
  }
}
