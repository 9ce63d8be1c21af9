// `npm run train:demo [-- --steps N --out DIR --checkpoint FILE --fresh --threads N]`: trains the demo model on CPU
// with a progress bar, checkpointing as it goes (Ctrl-C saves and stops; running the command again resumes), then
// writes the package (the weight average) with training.json and README.md.
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { printCliError } from '../cli/cli-error.ts';
import { fail } from '../errors.ts';
import { DEMO_CONFIG, type DemoConfig } from './demo-config.ts';
import { DEMO_CHECKPOINT, DEMO_PACKAGE_DIR } from './demo-paths.ts';
import { writeDemoPackage } from './package-writer.ts';
import { renderPackageReadme, type TrainingReport } from './package-readme.ts';
import { latentScale } from './batch.ts';
import { loadCheckpoint, type TrainingHistory } from './checkpoint.ts';
import { debiasedAverage, type OptimizerState } from './optimizer.ts';
import { correctionFilter } from './pixel-vae.ts';
import { demoVocabulary, vocabularySize } from './tokenizer-files.ts';
import { initialWeights } from './train-graph.ts';
import { trainDemo } from './trainer.ts';

interface Flags {
  steps?: string;
  out: string;
  checkpoint: string;
  fresh?: boolean;
  threads?: string;
  exportOnly?: boolean;
}

const positiveInt = (flag: string, value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) fail('INVALID_SPEC', `--${flag} ${value}: expected a positive integer`);
  return n;
};

async function run(flags: Flags): Promise<void> {
  const config: DemoConfig = flags.steps
    ? { ...DEMO_CONFIG, train: { ...DEMO_CONFIG.train, steps: positiveInt('steps', flags.steps) } }
    : DEMO_CONFIG;
  const threads = flags.threads ? positiveInt('threads', flags.threads) : undefined;
  const controller = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => controller.abort());
  const bar = new cliProgress.SingleBar(
    {
      format:
        'train:demo [{bar}] {value}/{total} | loss {loss} | |g| {gnorm} | lr {lr} | {rate} steps/s | eta {eta_formatted}',
      etaBuffer: 50,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 30_000,
    },
    cliProgress.Presets.shades_classic,
  );
  let t0 = performance.now();
  let emaLoss: number | undefined;
  const result = await trainDemo(config, {
    checkpointPath: resolve(flags.checkpoint),
    ...(flags.fresh ? { fresh: true } : {}),
    ...(threads ? { intraOpThreads: threads } : {}),
    signal: controller.signal,
    onStart: ({ startStep, total, parameterCount }) => {
      process.stderr.write(
        `train:demo: ${parameterCount.toLocaleString('en')} parameters, ${startStep ? `resuming at step ${startStep}` : 'from scratch'}, ${total} steps\n`,
      );
      bar.start(total, startStep, { loss: '-', gnorm: '-', lr: '-', rate: '-' });
      t0 = performance.now();
    },
    onStep: (r) => {
      emaLoss = emaLoss === undefined ? r.loss : 0.95 * emaLoss + 0.05 * r.loss;
      const rate = (r.sessionSteps / ((performance.now() - t0) / 1000)).toFixed(2);
      bar.update(r.step, { loss: emaLoss.toFixed(4), gnorm: r.gradNorm.toFixed(2), lr: r.lr.toExponential(2), rate });
    },
  });
  bar.stop();
  if (!result.completed) {
    process.stderr.write(
      `train:demo: stopped at step ${result.state.step}; checkpoint saved to ${flags.checkpoint}. Run the command again to resume.\n`,
    );
    return;
  }
  await exportPackage(flags, config, result.state, result.history, threads);
}

/** Writes the package from the weight average, with training.json and README.md. */
async function exportPackage(
  flags: Flags,
  config: DemoConfig,
  state: OptimizerState,
  history: TrainingHistory,
  threads: number | undefined,
): Promise<void> {
  const out = resolve(flags.out);
  const scalingFactor = latentScale(config);
  const vaeFilter = await correctionFilter({ sceneSize: config.sceneSize, latentSize: config.unet.latentSize });
  const vocabulary = demoVocabulary();
  const weights = debiasedAverage(state, initialWeights(config, vocabularySize(vocabulary)), config.train.emaDecay);
  await writeDemoPackage(out, { config, weights, scalingFactor, vaeFilter, vocabulary });
  const tail = history.losses.slice(-4);
  const report: TrainingReport = {
    command: `npm run train:demo${flags.steps ? ` -- --steps ${flags.steps}` : ''}`,
    config,
    scalingFactor,
    steps: state.step,
    examplesSeen: state.step * config.train.batch,
    wallMinutes: Number((history.wallMs / 60000).toFixed(1)),
    cpuMinutes: Number((history.cpuMs / 60000).toFixed(1)),
    finalLoss: Number((tail.reduce((s, l) => s + l.loss, 0) / Math.max(1, tail.length)).toFixed(4)),
    losses: history.losses,
    machine: `${cpus().length} CPU cores (${cpus()[0]?.model ?? 'unknown'}), onnxruntime threads: ${threads ?? 'default'}`,
  };
  await writeFile(join(out, 'training.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(out, 'README.md'), await renderPackageReadme(out));
  process.stderr.write(
    `train:demo: wrote ${out} (step ${report.steps}, ${report.wallMinutes} min, final loss ${report.finalLoss})\n`,
  );
}

/** --export-only: the package from the checkpoint as it stands (to look at a run in progress, or after a crash). */
async function exportCheckpoint(flags: Flags): Promise<void> {
  const config: DemoConfig = flags.steps
    ? { ...DEMO_CONFIG, train: { ...DEMO_CONFIG.train, steps: positiveInt('steps', flags.steps) } }
    : DEMO_CONFIG;
  const saved =
    (await loadCheckpoint(resolve(flags.checkpoint), config)) ??
    fail('FILE_NOT_FOUND', `no checkpoint at ${flags.checkpoint}; run npm run train:demo first`);
  await exportPackage(
    flags,
    config,
    saved.state,
    saved.history,
    flags.threads ? positiveInt('threads', flags.threads) : undefined,
  );
}

const program = new Command('train-demo')
  .description(
    'train the demo model (text encoder + UNet) from scratch on CPU and write it as a diffusers-ONNX package',
  )
  .addOption(new Option('--steps <n>', `optimiser steps (default ${DEMO_CONFIG.train.steps})`))
  .addOption(new Option('--out <dir>', 'package folder').default(DEMO_PACKAGE_DIR))
  .addOption(new Option('--checkpoint <file>', 'checkpoint file; resumed from when it exists').default(DEMO_CHECKPOINT))
  .addOption(new Option('--fresh', 'ignore an existing checkpoint'))
  .addOption(new Option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)'))
  .addOption(new Option('--export-only', 'write the package from the checkpoint without training'))
  .action((flags: Flags) => (flags.exportOnly ? exportCheckpoint(flags) : run(flags)));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = printCliError(err);
}
