// The default edit against the previous default (community) and the quick preset, in one run (the first part of `npm run bench -- imagic`): for the
// bundled demo package and a tiny package, a 64×64 layer edited as the CLI edits it (the preset, then what the model
// recommends for it, one output at the recommended η), with per stage its UNet work (cost.ts, forward-pass
// equivalents) and engine time, the whole edit's engine time, and the first look: a preview render at the
// recommended η (the panel's preview steps) right after training. Then the whole-edit time estimate's error. Loading the model is left out: each package opens
// once, and each row then builds the same sessions (its training graphs and its edit's sampling UNet).
import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Preset } from '../../../shared/src/protocol/edit-request.ts';
import { DEMO_PACKAGE_DIR } from '../demo/demo-paths.ts';
import { editCost, type EditCost } from '../engine/cost.ts';
import { editSettingsAsync } from '../engine/edit-settings.ts';
import { ImagicEngine } from '../engine/imagic-engine.ts';
import { DEFAULT_PRESET } from '../engine/settings.ts';
import { readPackageBackwardRatioAsync } from '../engine/package-settings.ts';
import { estimateAsync, jobPlan } from '../engine/progress-estimate.ts';
import { writeTinyPackage } from '../fixtures/tiny-package.ts';
import type { ProviderSetting } from '../runtime/worker/provider-choice.ts';
import type { RgbaImage } from '../images/decode-image.ts';

/** The presets the default is compared with: the previous default, and the search's 40% trade (models/demo/README.md). */
const COMPARED: readonly Preset[] = ['community', 'quick'];
const LAYER_PX = 64;

/** The panel's preview while the strength slider moves: a fifth of the steps, at least 4 (plugin/ui/state/presets.ts). */
const previewSteps = (steps: number): number => Math.min(steps, Math.max(4, Math.round(steps / 5)));

interface Row {
  readonly package: string;
  readonly preset: Preset;
  readonly cost: EditCost;
  readonly ms: { encode: number; embed: number; finetune: number; sample: number; total: number };
  readonly first_preview_ms: number;
}

/** A filled square on a light background, the kind of layer the demo model knows. */
function layer(size: number): RgbaImage {
  const rgba = new Uint8Array(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    const [x, y] = [i % size, Math.floor(i / size)];
    const inside = x > size / 4 && x < (3 * size) / 4 && y > size / 4 && y < (3 * size) / 4;
    rgba.set(inside ? [40, 80, 220, 255] : [245, 245, 245, 255], i * 4);
  }
  return { width: size, height: size, rgba };
}

async function rowAsync(
  engine: ImagicEngine,
  label: string,
  dir: string,
  preset: Preset,
  prompt: string,
): Promise<Row> {
  const { train, sample } = await editSettingsAsync(dir, preset);
  const t0 = performance.now();
  const { state, timing } = await engine.trainAsync(layer(LAYER_PX), prompt, train);
  const p0 = performance.now();
  await engine.renderAsync(state, { ...sample, seeds: sample.seeds.slice(0, 1), steps: previewSteps(sample.steps) });
  const firstPreview = performance.now() - p0;
  const s0 = performance.now();
  await engine.renderAsync(state, sample);
  const sampleMs = performance.now() - s0;
  const trainMs = p0 - t0;
  return {
    package: label,
    preset,
    cost: editCost(train, sample, await readPackageBackwardRatioAsync(dir)),
    ms: {
      encode: timing.encode,
      embed: timing.embed,
      finetune: timing.finetune,
      sample: sampleMs,
      total: trainMs + sampleMs,
    },
    first_preview_ms: firstPreview,
  };
}

/** Per progress event: when, the estimate of the time left, and the fraction of the job's UNet work done. */
type Sample = { at: number; secondsLeft: number | undefined; done: number };

/** A job's events within the last second are left out: a second either way is not what ±30% is about. */
const LAST_SECONDS_IGNORED = 1;

/**
 * The worst error of the whole-job estimate once `fromDone` of the UNet work is done: (estimate − actual) / actual
 * over every event from then on; also the first time an estimate appeared, as a fraction of the work.
 */
function estimateError(
  samples: readonly Sample[],
  end: number,
  fromDone: number,
): { worst: number; firstAtDone: number } {
  let worst = 0;
  for (const s of samples) {
    const actual = (end - s.at) / 1000;
    if (s.done < fromDone || actual < LAST_SECONDS_IGNORED || s.secondsLeft === undefined) continue;
    const error = (s.secondsLeft - actual) / actual;
    if (Math.abs(error) > Math.abs(worst)) worst = error;
  }
  return { worst, firstAtDone: samples.find((s) => s.secondsLeft !== undefined)?.done ?? 1 };
}

/**
 * The default edit of the demo package run as the CLI runs it, twice in a fresh data folder: the first time with no
 * step times of this machine (the estimate of later stages comes from the cost model), the second with the first's.
 */
async function estimateRunsAsync(
  engine: ImagicEngine,
  dir: string,
  prompt: string,
): Promise<{ run: number; worst: number; firstAtDone: number }[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'imagic-estimate-'));
  try {
    const { train, sample } = await editSettingsAsync(dir, DEFAULT_PRESET);
    const cost = editCost(train, sample, await readPackageBackwardRatioAsync(dir));
    const plan = jobPlan(train, sample);
    const workPerStep: Record<string, number> = {
      encode: 0,
      embed: cost.embed / Math.max(1, train.embedSteps),
      finetune: cost.finetune / Math.max(1, train.tuneSteps),
      sample: cost.sample / plan.at(-1)!.total,
    };
    const results = [];
    for (const run of [1, 2]) {
      const samples: Sample[] = [];
      let done = 0;
      const estimate = await estimateAsync(engine, dataDir, plan, {
        onProgress: (e) => {
          done += workPerStep[e.stage] ?? 0;
          samples.push({ at: performance.now(), secondsLeft: e.secondsLeft, done: done / cost.total });
        },
      });
      // The next edit is another edit (other training draws): the same one again would find its sampling UNet still
      // open, which no new edit does.
      const { state } = await engine.trainAsync(
        layer(LAYER_PX),
        prompt,
        { ...train, seed: train.seed + run },
        estimate.hooks,
      );
      await engine.renderAsync(state, sample, estimate.hooks);
      await estimate.recordAsync();
      results.push({ run, ...estimateError(samples, performance.now(), ESTIMATE_FROM_DONE) });
    }
    return results;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The bar: within ±30% once a tenth of the work is done. */
const ESTIMATE_FROM_DONE = 0.1;

export async function defaultsBench(
  provider: ProviderSetting,
): Promise<{ rows: Row[]; estimate: { run: number; worst: number; firstAtDone: number }[] }> {
  const tmp = await mkdtemp(join(tmpdir(), 'imagic-defaults-'));
  const rows: Row[] = [];
  let estimate: { run: number; worst: number; firstAtDone: number }[] = [];
  try {
    const tiny = await writeTinyPackage(join(tmp, 'tiny'));
    const packages = [
      { label: 'demo', dir: DEMO_PACKAGE_DIR, prompt: 'a yellow square on a white background' },
      { label: 'tiny', dir: tiny.dir, prompt: 'a photo of a cat' },
    ];
    for (const p of packages) {
      const engine = await ImagicEngine.openAsync({ modelDir: p.dir, provider });
      try {
        for (const preset of [DEFAULT_PRESET, ...COMPARED])
          rows.push(await rowAsync(engine, p.label, p.dir, preset, p.prompt));
        if (p.label === 'demo') estimate = await estimateRunsAsync(engine, p.dir, p.prompt);
      } finally {
        await engine.closeAsync();
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `\nthe default edit (${DEFAULT_PRESET}) against ${COMPARED.join(' and ')}: a ${LAYER_PX}×${LAYER_PX} layer, one output, engine time (model load left out)`,
  );
  out(
    '  package  preset      UNet work (fwd-eq): embed finetune sample   total    ms: encode    embed finetune   sample    total   first preview ms',
  );
  for (const r of rows) {
    const c = r.cost;
    const n = (v: number, w: number) => v.toFixed(0).padStart(w);
    out(
      `  ${r.package.padEnd(9)}${r.preset.padEnd(12)}${n(c.embed, 25)}${n(c.finetune, 9)}${n(c.sample, 7)}${n(c.total, 8)}${n(r.ms.encode, 14)}${n(r.ms.embed, 9)}${n(r.ms.finetune, 9)}${n(r.ms.sample, 9)}${n(r.ms.total, 9)}${n(r.first_preview_ms, 19)}`,
    );
  }
  for (const label of new Set(rows.map((r) => r.package))) {
    const of = (p: Preset) => rows.find((r) => r.package === label && r.preset === p)!;
    const base = of(DEFAULT_PRESET);
    for (const other of COMPARED.map(of))
      out(
        `  ${label}: ${DEFAULT_PRESET} is ${((100 * base.cost.total) / other.cost.total).toFixed(1)}% of ${other.preset}'s UNet work and ${((100 * base.ms.total) / other.ms.total).toFixed(1)}% of its time`,
      );
  }
  out(
    `the whole-edit time estimate on the demo's default edit, once ${ESTIMATE_FROM_DONE * 100}% of its UNet work is done (worst (estimate − actual)/actual over every progress event, the last second left out):`,
  );
  for (const e of estimate)
    out(
      `  ${e.run === 1 ? 'first edit (no step times of this machine yet)' : "next edit (with the first one's step times)  "}: worst ${(100 * e.worst).toFixed(0)}%, first estimate at ${(100 * e.firstAtDone).toFixed(1)}% of the work`,
    );
  return { rows, estimate };
}
