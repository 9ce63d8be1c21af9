// One estimate of the time left for a whole job (all stages, all outputs), from the step times seen so far. Each
// stage's seconds per step is the mean over its steps after the first (the first includes creating the stage's
// session), and nothing is said until that mean rests on MIN_INTERVALS steps: two seconds into a 79 s job, one slow
// warm-up step made the panel say "about 1 h 6 min left". Stages not reached yet are estimated from the current one:
// by the step times this model measured on this machine before (step-times.ts), scaled by how fast the current stage
// runs now against its own earlier time; on a machine without them, by the relative step times the model states
// (imagic_settings.json cost.stepTimes); without those, by their relative UNet work per step (cost.ts): a training
// step runs the UNet forward and backward (1 + r forwards), a sampling step runs it forward twice (guidance). Each
// stage not reached yet also gets a start-up as long as the latest stage's (building and opening its graph): on a
// preset of a hundred steps per stage it is a fifth of the job.
import { DEFAULT_BACKWARD_RATIO } from './cost.ts';
import type { ProgressEvent, RunHooks } from './progress.ts';
import type { SampleSettings, TrainSettings } from './settings.ts';
import { readPackageBackwardRatioAsync, readPackageStepTimesAsync } from './package-settings.ts';
import { StepTimes, stepTimesKey } from './step-times.ts';

export type EstimatedStage = 'encode' | 'embed' | 'finetune' | 'sample';
export type StagePlan = ReadonlyArray<{ stage: EstimatedStage; total: number }>;
/** Seconds per step of each stage, as measured, and each stage's start-up in seconds (`<stage>Startup`). */
export type StageRates = Partial<Record<EstimatedStage | `${EstimatedStage}Startup`, number>>;

/** Steps after a stage's first before its rate is trusted. */
const MIN_INTERVALS = 3;

type StageTiming = {
  firstStep: number;
  firstAt: number;
  secondsPerStep?: number;
  /** Seconds from the event before this stage's first one to it: its start-up and its first steps. */
  wait?: number;
  /** That wait less its steps. */
  startup?: number;
};

const isEstimated = (stage: string): stage is EstimatedStage =>
  stage === 'encode' || stage === 'embed' || stage === 'finetune' || stage === 'sample';

export class ProgressEstimator {
  private readonly timings = new Map<EstimatedStage, StageTiming>();
  private readonly relativeCost: Readonly<Record<EstimatedStage, number>>;
  private lastAt: number | undefined;
  /** The latest stage's start-up (building and opening its graph), in seconds: what a stage not reached yet adds. */
  private startup = 0;

  constructor(
    private readonly plan: StagePlan,
    private readonly now: () => number = () => performance.now(),
    /** Step times of earlier jobs of this model on this machine. */
    private readonly priors: StageRates = {},
    backwardRatio = DEFAULT_BACKWARD_RATIO,
  ) {
    const trainingStep = 1 + backwardRatio;
    this.relativeCost = { encode: 1, embed: trainingStep, finetune: trainingStep, sample: 2 };
  }

  /** Records one progress event; returns the estimate, or undefined while there is too little to go on. */
  observe(stage: EstimatedStage, step: number, total: number): number | undefined {
    const at = this.now();
    const timing = this.timings.get(stage);
    const since = this.lastAt === undefined ? undefined : (at - this.lastAt) / 1000;
    this.lastAt = at;
    if (!timing) {
      this.timings.set(stage, { firstStep: step, firstAt: at, ...(since === undefined ? {} : { wait: since }) });
    } else {
      const steps = step - timing.firstStep;
      if (steps >= MIN_INTERVALS) {
        timing.secondsPerStep = (at - timing.firstAt) / 1000 / steps;
        // A short stage's start-up is a large share of it: two seconds of graph building before 100 steps of 30 ms.
        if (timing.wait !== undefined) {
          timing.startup = Math.max(0, timing.wait - timing.firstStep * timing.secondsPerStep);
          this.startup = timing.startup;
        }
      }
    }
    const current = this.timings.get(stage)?.secondsPerStep;
    if (current === undefined) return undefined;
    const prior = this.priors[stage];
    const speed = prior !== undefined && prior > 0 ? current / prior : undefined;
    let seconds = Math.max(0, total - step) * current;
    const index = this.plan.findIndex((p) => p.stage === stage);
    for (const later of index < 0 ? [] : this.plan.slice(index + 1)) {
      const known = this.timings.get(later.stage)?.secondsPerStep;
      const fromPrior =
        speed !== undefined && this.priors[later.stage] !== undefined ? this.priors[later.stage]! * speed : undefined;
      // Its start-up as this machine measured it before, else as long as the latest stage's.
      const startup = known === undefined ? (this.priors[`${later.stage}Startup`] ?? this.startup) : 0;
      seconds +=
        startup +
        later.total * (known ?? fromPrior ?? (current * this.relativeCost[later.stage]) / this.relativeCost[stage]);
    }
    return Math.round(seconds * 10) / 10;
  }

  /** The step times measured in this job, for the next job's estimate. */
  rates(): StageRates {
    return Object.fromEntries(
      [...this.timings].flatMap(([stage, t]) => [
        ...(t.secondsPerStep === undefined ? [] : [[stage, t.secondsPerStep]]),
        ...(t.startup === undefined ? [] : [[`${stage}Startup`, t.startup]]),
      ]),
    );
  }
}

/** The stages of a job: a new edit's (`train` given) or a re-render's, with their step counts. */
export function jobPlan(
  train: Pick<TrainSettings, 'embedSteps' | 'tuneSteps'> | null,
  sample: Pick<SampleSettings, 'etas' | 'seeds' | 'steps' | 'inversion'>,
): StagePlan {
  // An inverted start runs the steps once more per seed, for its noise maps (stage-inversion.ts).
  const runs = sample.etas.length + (sample.inversion ? 1 : 0);
  const sampling = { stage: 'sample' as const, total: runs * sample.seeds.length * sample.steps };
  return train === null
    ? [sampling]
    : [
        { stage: 'encode', total: 1 },
        { stage: 'embed', total: train.embedSteps },
        { stage: 'finetune', total: train.tuneSteps },
        sampling,
      ];
}

/** This machine's step times of the model, else the relative ones the model states: the estimator uses their ratios. */
export async function estimatePriorsAsync(times: StepTimes, key: string, modelDir: string): Promise<StageRates> {
  const measured = await times.readAsync(key);
  return Object.keys(measured).length > 0 ? measured : ((await readPackageStepTimesAsync(modelDir)) ?? {});
}

/** `hooks` whose progress events carry the estimate of the whole job's time left. */
export function withEstimate(hooks: RunHooks, estimator: ProgressEstimator): RunHooks {
  return {
    ...hooks,
    onProgress: (event: ProgressEvent) => {
      const secondsLeft = isEstimated(event.stage)
        ? estimator.observe(event.stage, event.step, event.total)
        : undefined;
      hooks.onProgress?.(secondsLeft === undefined ? event : { ...event, secondsLeft });
    },
  };
}

/**
 * Hooks whose progress carries the whole job's time left, estimated from this model's earlier step times on this
 * machine (step-times.ts); `recordAsync` adds this job's to them.
 */
export async function estimateAsync(
  engine: {
    readonly pkg: { readonly modelId: string; readonly dir: string };
    readonly provider: { readonly provider: string };
  },
  dataDir: string,
  plan: StagePlan,
  hooks: RunHooks,
): Promise<{ hooks: RunHooks; recordAsync: () => Promise<void> }> {
  const times = new StepTimes(dataDir);
  const key = stepTimesKey(engine.pkg.modelId, engine.provider.provider);
  const priors = await estimatePriorsAsync(times, key, engine.pkg.dir);
  const estimator = new ProgressEstimator(plan, undefined, priors, await readPackageBackwardRatioAsync(engine.pkg.dir));
  return {
    hooks: withEstimate(hooks, estimator),
    recordAsync: () => times.recordAsync(key, estimator.rates()).catch(() => undefined),
  };
}
