// `npm run bench -- imagic [--embed-steps=N] [--tune-steps=N] [--steps=N] [--provider=P] [--fp16] [--sweep]
//  [--sd15 [--latent=64]]`: first the default edit against the quick preset on the demo and a tiny package
// (defaults-bench.ts), then the Imagic engine end to end on a tiny package: time per stage, median time per step of
// each stage, the loss curves' first and last values, and peak RSS (the session worker shares the process, so it is
// included). --sd15 runs the same on an SD 1.5-shaped package with random weights instead: SD 1.5's UNet
// (859.5M parameters, external weights.pb, written once under .cache/bench), a CLIP ViT-L/14-shaped text tower
// (12 layers × 12 heads, 768 wide, 77 tokens; the fixture's small vocabulary, so its embedding table is smaller than
// CLIP's 49408 rows) and the tiny analytic VAE at 8× the latent (not SD's 84M-parameter VAE: its cost shows only in
// the encode row and once per output image). A few steps per stage by default: each is seconds to minutes on a CPU.
// --sweep instead trains stage 2 over a grid of adapter learning rates and ranks (the measurement behind the
// adapter defaults in shared/src/protocol/presets.ts) and prints the mean loss of the last steps of each.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sd15UNetConfig } from '../model-builder/unet-config.ts';
import { countUNetParameters } from '../model-builder/unet-parameters.ts';
import type { AdapterTarget } from '../engine/adapter-targets.ts';
import { ImagicEngine } from '../engine/imagic-engine.ts';
import { defaultsBench } from './defaults-bench.ts';
import { editCost } from '../engine/cost.ts';
import type { ProgressEvent, Stage } from '../engine/progress.ts';
import { PRESETS, type TrainSettings } from '../engine/settings.ts';
import { writeTinyPackage, type TinyPackage } from '../fixtures/tiny-package.ts';
import { isProviderSetting, type ProviderSetting } from '../runtime/worker/provider-choice.ts';
import type { RgbaImage } from '../images/decode-image.ts';

const flagValue = (flags: ReadonlySet<string>, name: string): string | undefined => {
  for (const f of flags) if (f.startsWith(`--${name}=`)) return f.slice(name.length + 3);
  return undefined;
};
const numberFlag = (flags: ReadonlySet<string>, name: string, fallback: number) =>
  Number(flagValue(flags, name) ?? fallback);
const mean = (v: readonly number[]) => v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
const median = (v: readonly number[]) => [...v].sort((a, b) => a - b)[v.length >> 1] ?? Number.NaN;
/** Steps averaged for a curve's "first" and "last" figures: one draw of (t, ε) per step makes single losses noisy. */
const WINDOW = 10;

/** A disc on a gradient: smooth enough for the tiny VAE's 8×8 averaging. */
function picture(size: number): RgbaImage {
  const rgba = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const disc = (x - 0.375 * size) ** 2 + (y - 0.47 * size) ** 2 < (0.23 * size) ** 2;
      rgba.set(
        disc ? [220, 60, 50, 255] : [40 + Math.round((160 * x) / size), 90 + Math.round((80 * y) / size), 160, 255],
        i,
      );
    }
  }
  return { width: size, height: size, rgba };
}

/** Collects the wall time between consecutive progress events of each stage. */
function stepTimer() {
  const times = new Map<Stage, number[]>();
  let last = performance.now();
  return {
    onProgress: (e: ProgressEvent) => {
      const now = performance.now();
      if (e.step > 1) times.set(e.stage, [...(times.get(e.stage) ?? []), now - last]);
      last = now;
    },
    median: (stage: Stage) => median(times.get(stage) ?? []),
  };
}

const SWEEP_TARGETS: readonly (readonly AdapterTarget[])[] = [
  ['to_q', 'to_k', 'to_v', 'to_out'],
  ['to_q', 'to_k', 'to_v', 'to_out', 'conv'],
  ['to_q', 'to_k', 'to_v', 'to_out', 'ff', 'conv'],
];

async function sweep(engine: ImagicEngine, image: RgbaImage, steps: number): Promise<void> {
  const window = 3 * WINDOW;
  process.stdout.write(
    `\nstage-2 sweep: ${steps} steps each, loss = mean of the first / last ${window} steps (same (t, ε) draws in every row)\n`,
  );
  process.stdout.write('  lr        rank   targets                            first    last\n');
  for (const adapterTargets of SWEEP_TARGETS) {
    for (const tuneLr of [1e-3, 3e-3, 1e-2, 3e-2]) {
      for (const adapterRank of [4, 8]) {
        const train: TrainSettings = {
          ...PRESETS.fast.train,
          embedSteps: 0,
          tuneSteps: steps,
          tuneLr,
          adapterRank,
          adapterAlpha: adapterRank,
          adapterTargets,
          seed: 0,
        };
        const { state } = await engine.trainAsync(image, 'a photo of a cat', train);
        const l = state.losses.finetune;
        process.stdout.write(
          `  ${tuneLr.toExponential(0).padEnd(10)}${String(adapterRank).padEnd(7)}${adapterTargets.join(',').padEnd(35)}${mean(l.slice(0, window)).toFixed(4)}   ${mean(l.slice(-window)).toFixed(4)}\n`,
        );
      }
    }
  }
}

/** Where the SD 1.5-shaped packages are kept between runs (3.4 GB each; writing one takes minutes). */
const SD15_CACHE = resolve('.cache/bench');

/** SD 1.5's text side: CLIP ViT-L/14's text tower is 12 layers × 12 heads × 768 over 77 tokens. */
const SD15_TEXT = { sequenceLength: 77, hidden: 768, textLayers: 12, textHeads: 12 } as const;

async function sd15Package(latent: number, log: (line: string) => void): Promise<TinyPackage & { cached: boolean }> {
  const unet = sd15UNetConfig({ latentSize: latent });
  const dir = join(SD15_CACHE, `imagic-sd15-latent${latent}`);
  const options = { ...SD15_TEXT, imageSize: latent * 8, externalWeights: true, unet } as const;
  // The VAE decoder is written last, so its presence means a complete package.
  if (existsSync(join(dir, 'vae_decoder', 'model.onnx')))
    return { dir, unetConfig: unet, imageSize: options.imageSize, sequenceLength: 77, hidden: 768, cached: true };
  log(
    `writing an SD 1.5-shaped package (${(countUNetParameters(unet) / 1e6).toFixed(1)}M UNet parameters) to ${dir} …\n`,
  );
  return { ...(await writeTinyPackage(dir, options)), cached: false };
}

export async function imagicBench(flags: ReadonlySet<string>): Promise<void> {
  const providerFlag = flagValue(flags, 'provider') ?? 'cpu';
  const provider: ProviderSetting = isProviderSetting(providerFlag) ? providerFlag : 'cpu';
  const sd15 = flags.has('--sd15');
  if (!sd15 && !flags.has('--sweep')) {
    const { rows, estimate } = await defaultsBench(provider);
    process.stdout.write(`\n${JSON.stringify({ suite: 'imagic-defaults', provider, rows, estimate })}\n`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'imagic-bench-'));
  try {
    const t0 = performance.now();
    const pkg = sd15
      ? await sd15Package(numberFlag(flags, 'latent', 64), (line) => process.stdout.write(line))
      : {
          ...(await writeTinyPackage(join(dir, 'tiny'), { dtype: flags.has('--fp16') ? 'float16' : 'float32' })),
          cached: false,
        };
    const write = performance.now() - t0;
    const image = picture(pkg.imageSize);
    const t1 = performance.now();
    const engine = await ImagicEngine.openAsync({ modelDir: pkg.dir, provider });
    const load = performance.now() - t1;
    try {
      if (flags.has('--sweep')) {
        await sweep(engine, image, numberFlag(flags, 'tune-steps', 300));
        return;
      }
      const defaults = sd15 ? { embed: 3, tune: 3, sample: 3 } : { embed: 50, tune: 100, sample: 20 };
      const train: TrainSettings = {
        ...PRESETS.fast.train,
        embedSteps: numberFlag(flags, 'embed-steps', defaults.embed),
        tuneSteps: numberFlag(flags, 'tune-steps', defaults.tune),
        seed: 0,
      };
      const sample = {
        ...PRESETS.fast.sample,
        etas: [0, 0.7],
        seeds: [1],
        steps: numberFlag(flags, 'steps', defaults.sample),
      };
      const timer = stepTimer();
      const { state, timing } = await engine.trainAsync(image, 'a photo of a cat', train, {
        onProgress: timer.onProgress,
      });
      const t2 = performance.now();
      await engine.renderAsync(state, sample, { onProgress: timer.onProgress });
      const render = performance.now() - t2;
      const { embed, finetune } = state.losses;
      const label = sd15
        ? `an SD 1.5-shaped package (${(countUNetParameters(pkg.unetConfig) / 1e6).toFixed(1)}M UNet, random weights)`
        : 'a tiny package';
      process.stdout.write(
        `\nimagic on ${label} (${pkg.imageSize}px, latent ${pkg.imageSize / 8}², ${pkg.sequenceLength} tokens × ${pkg.hidden}) on ${engine.provider.provider}\n`,
      );
      process.stdout.write(
        '  stage                       total ms   steps   median ms/step   loss first → last (mean of 10)\n',
      );
      process.stdout.write(
        "  (a training stage's total includes building its gradient graph and session; the per-step median does not)\n",
      );
      const row = (name: string, ms: number, steps: number, stage?: Stage, curve?: readonly number[]) =>
        process.stdout.write(
          `  ${name.padEnd(28)}${ms.toFixed(0).padStart(8)}${String(steps).padStart(8)}${(stage ? timer.median(stage).toFixed(2) : '').padStart(17)}   ${curve?.length ? `${mean(curve.slice(0, WINDOW)).toFixed(4)} → ${mean(curve.slice(-WINDOW)).toFixed(4)}` : ''}\n`,
        );
      row(pkg.cached ? 'find package (cached)' : 'write package', write, 0);
      row('load (sessions)', load, 0);
      row('encode (VAE + text)', timing.encode, 1);
      row('stage 1 embedding', timing.embed, train.embedSteps, 'embed', embed);
      row('stage 2 fine-tuning', timing.finetune, train.tuneSteps, 'finetune', finetune);
      row(`stage 3 sampling (${sample.etas.length} images)`, render, sample.steps * sample.etas.length, 'sample');
      const peak = process.resourceUsage().maxRSS / 1024;
      const cost = editCost(train, sample);
      process.stdout.write(`  peak RSS ${peak.toFixed(0)} MB\n`);
      process.stdout.write(
        `  UNet work (forward passes, cost.ts): stage 1 ${cost.embed}, stage 2 ${cost.finetune}, sampling ${cost.sample}, total ${cost.total}\n`,
      );
      process.stdout.write(
        `\n${JSON.stringify({ suite: sd15 ? `imagic-sd15-latent${pkg.imageSize / 8}` : 'imagic', provider: engine.provider.provider, timing_ms: { write, load, ...timing, sample: render }, ms_per_step: { embed: timer.median('embed'), finetune: timer.median('finetune'), sample: timer.median('sample') }, loss: { embed: [embed[0], embed.at(-1)], finetune: [finetune[0], finetune.at(-1)] }, cost, peak_rss_mb: Math.round(peak) })}\n`,
      );
    } finally {
      await engine.closeAsync();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
