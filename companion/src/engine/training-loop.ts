// The one optimisation loop both training stages run (stage 1 over the embedding, stage 2 over the adapters):
// draw (t, ε), run the training step once (forward, in-graph MSE, backward, Adam update: adam.ts). The parameters,
// Adam's moments and the stage's fixed inputs are fed from the host at the first step only; after that each step
// feeds the outputs of the one before, which the session's thread keeps (on the GPU for WebGPU), so per step only the
// draw goes to the device and the loss comes back. At the end the parameters are read back into `params`.
import { LOSS_OUTPUT, TARGET_INPUT } from '../autodiff/gradient-model.ts';
import type { SchedulerConfig } from '../diffusion/schedulers/scheduler-config.ts';
import { fail } from '../errors.ts';
import type { HostTensor } from '../runtime/host-tensor.ts';
import { ADAM_C2_INPUT, ADAM_LR_INPUT, adamScalars, FIRST_MOMENT, SECOND_MOMENT } from './adam.ts';
import { DenoisingDraws } from './denoising-loss.ts';
import { scheduledLr, type LrSchedule } from './lr-schedule.ts';
import { checkCancelled, type RunHooks, type Stage } from './progress.ts';
import { floatFeed, output, timestepFeed, toFloat32 } from './tensors.ts';
import { isKeptRef, type KeptRef } from '../runtime/worker/rpc.ts';
import type { RemoteSession } from '../runtime/worker/session-host.ts';

export interface TrainingRun {
  readonly stage: Extract<Stage, 'embed' | 'finetune' | 'learn'>;
  /** The training step (adam.ts): inputs sample, timestep, the target, the Adam scalars and the carried inputs. */
  readonly session: RemoteSession;
  /** The step's outputs that feed its inputs at the next step (TrainingStep.carried). */
  readonly carried: ReadonlyMap<string, string>;
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
  /**
   * Several images (Textual Inversion, learn/): the image and the step's own inputs (a prompt's ids) for each step;
   * absent: `z0` at every step and no other per-step input.
   */
  readonly example?: (step: number) => TrainingExample;
  /** Draw t from [0, trainStrength·T) (PresetTrain.trainStrength); all of [0, T) when absent. */
  readonly trainStrength?: number | undefined;
}

export interface TrainingExample {
  readonly z0: Float32Array;
  readonly feeds: Readonly<Record<string, HostTensor>>;
}

export interface TrainingResult {
  /** The loss of every step. */
  readonly losses: number[];
  /** Bytes between the loop and the session per step after the first (host↔device on a GPU provider), and for the first. */
  readonly hostBytes: { readonly perStep: number; readonly firstStep: number };
  /** Whether the carried state stayed on the GPU between steps (WebGPU), rather than in host memory. */
  readonly onDevice: boolean;
}

const staticDims = (session: RemoteSession, name: string): number[] => {
  const info = session.input(name) ?? fail('INTERNAL', `the training step has no input '${name}'`);
  if (!info.dims.every((d): d is number => typeof d === 'number'))
    fail('INTERNAL', `input '${name}' has symbolic dims after normalisation`);
  return info.dims as number[];
};

/** Runs the loop. */
export async function trainAsync(run: TrainingRun, hooks: RunHooks = {}): Promise<TrainingResult> {
  const { session } = run;
  const draws = new DenoisingDraws(run.scheduler, run.z0, run.seed, run.trainStrength ?? 1);
  const sampleInfo = session.input('sample') ?? fail('INTERNAL', 'the training step has no sample input');
  const timestepInfo = session.input('timestep') ?? fail('INTERNAL', 'the training step has no timestep input');
  const sampleDims = staticDims(session, 'sample');
  const feedOf = (name: string, values: Float32Array): HostTensor =>
    floatFeed(session.input(name)!, values, staticDims(session, name));
  const scalar = (value: number): HostTensor => ({ dtype: 'float32', dims: [1], data: Float32Array.of(value) });
  // The first step's carried inputs: the parameters (copies: the feeds are moved into the session's thread), zero
  // moments, and the fixed inputs.
  let carried: Record<string, HostTensor | KeptRef> = {};
  for (const [name, values] of run.params) carried[name] = feedOf(name, values.slice());
  for (const moment of [FIRST_MOMENT, SECOND_MOMENT])
    carried[moment] = feedOf(moment, new Float32Array(staticDims(session, moment)[0]!));
  for (const [name, values] of run.fixed) carried[name] = feedOf(name, values.slice());
  const keep = [...run.carried.keys()];
  const losses: number[] = [];
  const hostBytes = { perStep: 0, firstStep: 0 };
  let onDevice = false;
  const held = (): KeptRef[] => Object.values(carried).filter(isKeptRef);
  try {
    for (let step = 1; step <= run.steps; step++) {
      checkCancelled(hooks.signal, `${run.stage} step ${step}`);
      const example = run.example?.(step);
      const draw = draws.next(example?.z0);
      const lr = scheduledLr(run.lrSchedule ?? 'constant', run.lr, step, run.steps);
      const adam = adamScalars(lr, step);
      const feeds: Record<string, HostTensor | KeptRef> = {
        ...carried,
        ...example?.feeds,
        sample: floatFeed(sampleInfo, draw.sample, sampleDims),
        timestep: timestepFeed(timestepInfo, draw.t),
        [TARGET_INPUT]: { dtype: 'float32', dims: sampleDims, data: draw.target },
        [ADAM_LR_INPUT]: scalar(adam[ADAM_LR_INPUT]),
        [ADAM_C2_INPUT]: scalar(adam[ADAM_C2_INPUT]),
      };
      const previous = held();
      const result = await session.runKeepingAsync(feeds, keep);
      await session.freeAsync(previous);
      carried = Object.fromEntries(
        [...run.carried].map(([out, input]) => [
          input,
          result.kept[out] ?? fail('INTERNAL', `the training step kept no '${out}'`),
        ]),
      );
      onDevice = Object.values(result.kept).every((k) => k.onDevice);
      if (step === 1) hostBytes.firstStep = result.hostBytes;
      else hostBytes.perStep = result.hostBytes;
      const loss = output(result.outputs, LOSS_OUTPUT)[0]!;
      if (!Number.isFinite(loss))
        fail(
          'RUNTIME_FAILED',
          `${run.stage} step ${step}: the loss is ${loss}; lower the learning rate (fp16 models may overflow)`,
        );
      losses.push(loss);
      hooks.onProgress?.({ stage: run.stage, step, total: run.steps, loss });
    }
    // The trained parameters, read back once.
    const names = [...run.params.keys()];
    const refs = names.map((name) => carried[name]!).filter(isKeptRef);
    if (refs.length > 0) {
      const values = await session.downloadAsync(refs);
      names.forEach((name, i) => run.params.get(name)!.set(toFloat32(values[i]!)));
    }
  } finally {
    await session.freeAsync(held());
  }
  return { losses, hostBytes, onDevice };
}
