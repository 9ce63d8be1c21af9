// The one optimisation loop both training stages run (stage 1 over the embedding, stage 2 over the adapters):
// draw (t, ε), run the gradient graph once (forward, in-graph MSE, backward), take an Adam step on every
// parameter. The parameters are updated in place; fixed inputs (the frozen embedding of stage 2) are fed as given.
import { gradOutputName, LOSS_OUTPUT, TARGET_INPUT } from '../autodiff/gradient-model.ts';
import type { SchedulerConfig } from '../diffusion/schedulers/scheduler-config.ts';
import { fail } from '../errors.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import { Adam } from './adam.ts';
import { DenoisingDraws } from './denoising-loss.ts';
import { scheduledLr, type LrSchedule } from './lr-schedule.ts';
import { checkCancelled, type RunHooks, type Stage } from './progress.ts';
import { floatFeed, output, timestepFeed } from './tensors.ts';
import type { RemoteSession } from './worker/session-host.ts';

export interface TrainingRun {
  readonly stage: Extract<Stage, 'embed' | 'finetune'>;
  /** The gradient graph: inputs sample, timestep, the target, parameters and fixed inputs; outputs loss and grad::<param>. */
  readonly session: RemoteSession;
  /** Trained in place. */
  readonly params: ReadonlyMap<string, Float32Array>;
  /** Frozen float inputs besides sample and timestep. */
  readonly fixed: ReadonlyMap<string, Float32Array>;
  readonly z0: Float32Array;
  readonly scheduler: SchedulerConfig;
  readonly steps: number;
  readonly lr: number;
  /** Constant (the paper's) unless given. */
  readonly lrSchedule?: LrSchedule;
  readonly seed: number;
}

const staticDims = (session: RemoteSession, name: string): number[] => {
  const info = session.input(name) ?? fail('INTERNAL', `the gradient graph has no input '${name}'`);
  if (!info.dims.every((d): d is number => typeof d === 'number')) fail('INTERNAL', `input '${name}' has symbolic dims after normalisation`);
  return info.dims as number[];
};

/** Runs the loop; returns the loss of every step. */
export async function trainAsync(run: TrainingRun, hooks: RunHooks = {}): Promise<number[]> {
  const { session } = run;
  const adam = new Adam(run.params, { lr: run.lr });
  const draws = new DenoisingDraws(run.scheduler, run.z0, run.seed);
  const sampleInfo = session.input('sample') ?? fail('INTERNAL', 'the gradient graph has no sample input');
  const timestepInfo = session.input('timestep') ?? fail('INTERNAL', 'the gradient graph has no timestep input');
  const sampleDims = staticDims(session, 'sample');
  const fetches = [LOSS_OUTPUT, ...[...run.params.keys()].map(gradOutputName)];
  const feedOf = (name: string, values: Float32Array): HostTensor => floatFeed(session.input(name)!, values, staticDims(session, name));
  const losses: number[] = [];
  for (let step = 1; step <= run.steps; step++) {
    checkCancelled(hooks.signal, `${run.stage} step ${step}`);
    const draw = draws.next();
    const feeds: Record<string, HostTensor> = {
      sample: floatFeed(sampleInfo, draw.sample, sampleDims),
      timestep: timestepFeed(timestepInfo, draw.t),
      [TARGET_INPUT]: { dtype: 'float32', dims: sampleDims, data: draw.target },
    };
    // Copies: the feeds are moved into the worker, and the parameters must stay here.
    for (const [name, values] of run.params) feeds[name] = feedOf(name, values.slice());
    for (const [name, values] of run.fixed) feeds[name] = feedOf(name, values.slice());
    const results = await session.runAsync(feeds, fetches, { transfer: true });
    const loss = output(results, LOSS_OUTPUT)[0]!;
    if (!Number.isFinite(loss)) fail('RUNTIME_FAILED', `${run.stage} step ${step}: the loss is ${loss}; lower the learning rate (fp16 models may overflow)`);
    const lr = scheduledLr(run.lrSchedule ?? 'constant', run.lr, step, run.steps);
    adam.step(new Map([...run.params.keys()].map((name) => [name, output(results, gradOutputName(name))])), lr);
    losses.push(loss);
    hooks.onProgress?.({ stage: run.stage, step, total: run.steps, loss });
  }
  return losses;
}
