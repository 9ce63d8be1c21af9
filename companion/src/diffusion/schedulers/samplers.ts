// The table of samplers: one row per name the CLI, the protocol and imagic_settings.json accept, each built from the
// same parsed `scheduler_config.json` (the contract every row implements is scheduler.ts).
import { DdimScheduler } from './ddim.ts';
import { DpmSolverPp2mScheduler } from './dpm-solver-pp-2m.ts';
import { EulerScheduler } from './euler.ts';
import type { Scheduler } from './scheduler.ts';
import type { SchedulerConfig } from './scheduler-config.ts';

export type SchedulerName = 'ddim' | 'euler' | 'dpmpp2m' | 'dpmpp2m-karras';

/** One row per sampler; every row builds from the same parsed `scheduler_config.json`. */
export const schedulers: Record<SchedulerName, (config: SchedulerConfig) => Scheduler> = {
  ddim: (config) => new DdimScheduler(config),
  euler: (config) => new EulerScheduler(config),
  dpmpp2m: (config) => new DpmSolverPp2mScheduler(config),
  /** "DPM++ 2M Karras", the sampler most SD users pick: the same solver on Karras et al.'s noise levels. */
  'dpmpp2m-karras': (config) => new DpmSolverPp2mScheduler(config, { karras: true }),
};
