// Trains the demo model from scratch with the project's own autodiff: the text encoder and the UNet jointly, on the
// denoising loss of the config's prediction type (batch.ts) under SD 1.5's noise schedule, so the engine's schedulers,
// samplers and stage losses work on the result unchanged. Resumes from its checkpoint; reports each step to a callback.
import { gradOutputName, LOSS_OUTPUT } from '../autodiff/gradient-model.ts';
import { NoiseSchedule } from '../diffusion/schedulers/noise-schedule.ts';
import { parseSchedulerConfig } from '../diffusion/schedulers/scheduler-config.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { latentScale, stepFeeds, trainingBatch } from './batch.ts';
import { loadCheckpoint, saveCheckpoint, type TrainingHistory } from './checkpoint.ts';
import type { DemoConfig } from './demo-config.ts';
import { initialState, learningRate, optimizerStep, type OptimizerState } from './optimizer.ts';
import { schedulerConfig } from './package-writer.ts';
import { demoVocabulary, vocabularySize, type DemoVocabulary } from './tokenizer-files.ts';
import { buildTrainingGraph } from './train-graph.ts';

export interface StepReport {
  readonly step: number;
  readonly total: number;
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
  /** Steps this session has run, for steps/s. */
  readonly sessionSteps: number;
}

export interface TrainOptions {
  readonly checkpointPath: string;
  /** Ignore an existing checkpoint and start from the seeded weights. */
  readonly fresh?: boolean;
  readonly checkpointEverySteps?: number;
  /** Steps averaged into one history entry. */
  readonly logEverySteps?: number;
  readonly intraOpThreads?: number;
  readonly onStep?: (r: StepReport) => void;
  readonly onStart?: (info: {
    readonly startStep: number;
    readonly total: number;
    readonly parameterCount: number;
  }) => void;
  /** Checked between steps; a stop saves a checkpoint first. */
  readonly signal?: AbortSignal;
}

export interface TrainResult {
  readonly state: OptimizerState;
  readonly history: TrainingHistory;
  /** False when stopped by the signal (a checkpoint was saved). */
  readonly completed: boolean;
}

export const demoTokenizer = (vocabulary: DemoVocabulary, sequenceLength: number): ClipTokenizer =>
  new ClipTokenizer({ vocab: vocabulary.vocab, merges: vocabulary.merges, maxLength: sequenceLength });

export async function trainDemo(config: DemoConfig, options: TrainOptions): Promise<TrainResult> {
  const vocabulary = demoVocabulary();
  const tokenizer = demoTokenizer(vocabulary, config.text.sequenceLength);
  const schedule = new NoiseSchedule(parseSchedulerConfig(schedulerConfig(config)));
  const scalingFactor = latentScale(config);
  const graph = buildTrainingGraph(config, vocabularySize(vocabulary));
  const saved = options.fresh ? undefined : await loadCheckpoint(options.checkpointPath, config);
  const state = saved?.state ?? initialState(graph.parameters);
  const history: TrainingHistory = { losses: [], wallMs: 0, cpuMs: 0, ...saved?.history };
  const total = config.train.steps;
  const parameterCount = [...graph.parameters.values()].reduce((s, p) => s + p.init.length, 0);
  options.onStart?.({ startStep: state.step, total, parameterCount });

  const session = await OrtSession.create(
    graph.gradient.model,
    options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {},
  );
  const names = [...graph.parameters.keys()];
  const fetches = [LOSS_OUTPUT, ...names.map(gradOutputName)];
  const checkpointEvery = options.checkpointEverySteps ?? 50;
  const logEvery = options.logEverySteps ?? 25;
  let window: number[] = [];
  let norms: number[] = [];
  let sessionSteps = 0;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const save = async () => {
    history.wallMs += performance.now() - last;
    const cpu = process.cpuUsage(lastCpu);
    history.cpuMs += (cpu.user + cpu.system) / 1000;
    last = performance.now();
    lastCpu = process.cpuUsage();
    await saveCheckpoint(options.checkpointPath, config, state, history);
  };
  try {
    while (state.step < total) {
      if (options.signal?.aborted) {
        await save();
        return { state, history, completed: false };
      }
      const b = trainingBatch(config, tokenizer, schedule, scalingFactor, state.step);
      const out = await session.run(stepFeeds(config, b, graph.parameters, state.params), fetches);
      const loss = Number(out[LOSS_OUTPUT]!.data[0]);
      const lr = learningRate(config.train, state.step);
      const gradNorm = optimizerStep(
        state,
        new Map(names.map((n) => [n, out[gradOutputName(n)]!.data as Float32Array])),
        config.train,
      );
      sessionSteps++;
      window.push(loss);
      norms.push(gradNorm);
      if (window.length === logEvery || state.step === total) {
        const meanOf = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
        history.losses.push({ step: state.step, loss: meanOf(window), gradNorm: meanOf(norms) });
        window = [];
        norms = [];
      }
      options.onStep?.({ step: state.step, total, loss, lr, gradNorm, sessionSteps });
      if (state.step % checkpointEvery === 0 || state.step === total) await save();
    }
  } finally {
    await session.release();
  }
  return { state, history, completed: true };
}
