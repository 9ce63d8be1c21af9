// `npm run bench -- demo [--steps=N] [--threads=N]`: the demo trainer's throughput: ms per optimiser step of the joint
// text-encoder + UNet training graph (forward, loss, backward, Adam) at the demo config, and the wall time that
// projects to for a full `npm run train:demo`. The target: under an hour on 2 cores.
import { gradOutputName, LOSS_OUTPUT } from '../autodiff/gradient-model.ts';
import { NoiseSchedule } from '../diffusion/schedulers/noise-schedule.ts';
import { parseSchedulerConfig } from '../diffusion/schedulers/scheduler-config.ts';
import { latentScale, stepFeeds, trainingBatch } from '../demo/batch.ts';
import { DEMO_CONFIG } from '../demo/demo-config.ts';
import { initialState, optimizerStep } from '../demo/optimizer.ts';
import { schedulerConfig } from '../demo/package-writer.ts';
import { demoVocabulary, vocabularySize } from '../demo/tokenizer-files.ts';
import { buildTrainingGraph } from '../demo/train-graph.ts';
import { demoTokenizer } from '../demo/trainer.ts';
import { OrtSession } from '../runtime/ort-session.ts';

const flag = (flags: ReadonlySet<string>, name: string, fallback: number) => {
  for (const f of flags) if (f.startsWith(`--${name}=`)) return Number(f.slice(name.length + 3));
  return fallback;
};
/** Steps run before timing starts (session warm-up, allocator growth). */
const WARMUP = 2;

export async function demoBench(flags: ReadonlySet<string>): Promise<void> {
  const c = DEMO_CONFIG;
  const steps = flag(flags, 'steps', 8);
  const threads = flag(flags, 'threads', 0);
  const vocabulary = demoVocabulary();
  const t0 = performance.now();
  const graph = buildTrainingGraph(c, vocabularySize(vocabulary));
  const session = await OrtSession.create(graph.gradient.model, threads ? { intraOpThreads: threads } : {});
  const build = performance.now() - t0;
  const tokenizer = demoTokenizer(vocabulary, c.text.sequenceLength);
  const schedule = new NoiseSchedule(parseSchedulerConfig(schedulerConfig(c)));
  const scale = latentScale(c);
  const state = initialState(graph.parameters);
  const names = [...graph.parameters.keys()];
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  try {
    for (let step = 0; step < WARMUP + steps; step++) {
      const s0 = performance.now();
      const feeds = stepFeeds(c, trainingBatch(c, tokenizer, schedule, scale, step), graph.parameters, state.params);
      const out = await session.run(feeds, [LOSS_OUTPUT, ...names.map(gradOutputName)]);
      optimizerStep(state, new Map(names.map((n) => [n, out[gradOutputName(n)]!.data as Float32Array])), c.train);
      if (step >= WARMUP) times.push(performance.now() - s0);
    }
  } finally {
    await session.release();
  }
  const cpu = process.cpuUsage(cpu0);
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  const projectedMinutes = (median * c.train.steps) / 60000;
  process.stdout.write(
    `\ndemo training step (batch ${c.train.batch}, latent ${c.unet.latentSize}², ${names.length} weight tensors)\n`,
  );
  process.stdout.write(
    `  graph + session build  ${build.toFixed(0)} ms\n  median step            ${median.toFixed(0)} ms (min ${sorted[0]!.toFixed(0)})\n`,
  );
  process.stdout.write(`  projected train:demo   ${projectedMinutes.toFixed(1)} min for ${c.train.steps} steps\n`);
  process.stdout.write(
    `\n${JSON.stringify({ suite: 'demo', build_ms: Math.round(build), step_ms: { median: Math.round(median), min: Math.round(sorted[0]!) }, cpu_ms_per_step: Math.round((cpu.user + cpu.system) / 1000 / (WARMUP + steps)), projected_train_minutes: Number(projectedMinutes.toFixed(1)) })}\n`,
  );
}
