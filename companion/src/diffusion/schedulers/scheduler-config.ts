// A diffusers `scheduler_config.json`, parsed without a schema library. Absent or null fields take DDIMScheduler's
// constructor defaults (Euler and DPM-Solver share them, apart from `timestep_spacing`, see below). Values that would
// change the noise schedule in ways this engine does not implement are refused rather than ignored: a silently wrong
// schedule gives plausible-looking but wrong images.

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type PredictionType = 'epsilon' | 'v_prediction';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

export interface SchedulerConfig {
  /** `_class_name`: informational only; any scheduler in the table can run from any config (diffusers `from_config`). */
  readonly className?: string;
  readonly numTrainTimesteps: number;
  readonly betaStart: number;
  readonly betaEnd: number;
  readonly betaSchedule: BetaSchedule;
  readonly predictionType: PredictionType;
  readonly stepsOffset: number;
  readonly setAlphaToOne: boolean;
  readonly clipSample: boolean;
  readonly clipSampleRange: number;
  /**
   * When the file does not say, the default of the class it names: diffusers fills a loaded config with its own
   * class's defaults, and the usual way to swap samplers, `Other.from_config(pipe.scheduler.config)`, carries that
   * value over. So SD 1.5's PNDM file means "leading" for every sampler here.
   */
  readonly timestepSpacing: TimestepSpacing;
}

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.0001,
  betaEnd: 0.02,
  betaSchedule: 'linear',
  predictionType: 'epsilon',
  stepsOffset: 0,
  setAlphaToOne: true,
  clipSample: true,
  clipSampleRange: 1,
  timestepSpacing: 'leading',
};

/** diffusers' `timestep_spacing` default per scheduler class; a class not listed falls back to DDIM's "leading". */
const CLASS_DEFAULT_SPACING: Readonly<Record<string, TimestepSpacing>> = {
  DDIMScheduler: 'leading',
  DDPMScheduler: 'leading',
  PNDMScheduler: 'leading',
  LCMScheduler: 'leading',
  TCDScheduler: 'leading',
  DEISMultistepScheduler: 'linspace',
  DPMSolverMultistepScheduler: 'linspace',
  DPMSolverSDEScheduler: 'linspace',
  EulerAncestralDiscreteScheduler: 'linspace',
  EulerDiscreteScheduler: 'linspace',
  HeunDiscreteScheduler: 'linspace',
  KDPM2AncestralDiscreteScheduler: 'linspace',
  KDPM2DiscreteScheduler: 'linspace',
  LMSDiscreteScheduler: 'linspace',
  UniPCMultistepScheduler: 'linspace',
};

const BETA_SCHEDULES: readonly BetaSchedule[] = ['linear', 'scaled_linear', 'squaredcos_cap_v2'];
const PREDICTION_TYPES: readonly PredictionType[] = ['epsilon', 'v_prediction'];
const TIMESTEP_SPACINGS: readonly TimestepSpacing[] = ['leading', 'trailing', 'linspace'];

/**
 * Keys whose non-default values would need features this engine lacks; each maps to the value the schedulers here
 * implement (diffusers' default). DPM-Solver++(2M) is diffusers' DPMSolverMultistepScheduler with solver_order 2,
 * algorithm_type "dpmsolver++", solver_type "midpoint", lower_order_final true and final_sigmas_type "zero"
 * (dpm-solver-pp-2m.ts); a config asking for another form would otherwise be sampled with this one, silently.
 */
const UNSUPPORTED_UNLESS: Readonly<Record<string, unknown>> = {
  trained_betas: null,
  rescale_betas_zero_snr: false,
  thresholding: false,
  use_karras_sigmas: false,
  use_exponential_sigmas: false,
  use_beta_sigmas: false,
  use_lu_lambdas: false,
  use_flow_sigmas: false,
  timestep_type: 'discrete',
  solver_order: 2,
  algorithm_type: 'dpmsolver++',
  solver_type: 'midpoint',
  lower_order_final: true,
  euler_at_final: false,
  final_sigmas_type: 'zero',
  variance_type: null,
  interpolation_type: 'linear',
  sigma_min: null,
  sigma_max: null,
};

/** What to do instead, for a refused key that has a counterpart here. */
const ALTERNATIVES: Readonly<Record<string, string>> = {
  use_karras_sigmas: "Karras noise levels are the sampler 'dpmpp2m-karras', chosen per edit",
};

/**
 * Parses the JSON value of a diffusers `scheduler_config.json`. Unknown keys (e.g. PNDM's `skip_prk_steps`,
 * `_diffusers_version`) are ignored, as diffusers does. Throws a TypeError for a value of the wrong JSON type and a
 * RangeError for a value this engine does not support.
 */
export function parseSchedulerConfig(json: unknown): SchedulerConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TypeError('scheduler config must be a JSON object (the contents of scheduler_config.json)');
  }
  const raw = json as Record<string, unknown>;
  for (const [key, harmless] of Object.entries(UNSUPPORTED_UNLESS)) {
    const value = raw[key];
    if (value !== undefined && value !== null && value !== harmless) {
      const instead = ALTERNATIVES[key] ? ` (${ALTERNATIVES[key]})` : '';
      throw new RangeError(
        `scheduler config: ${key}=${JSON.stringify(value)} is not supported${instead}; remove it or set it to ${JSON.stringify(harmless)}`,
      );
    }
  }
  const d = DEFAULT_SCHEDULER_CONFIG;
  const numTrainTimesteps = integer(raw, 'num_train_timesteps', d.numTrainTimesteps, 2);
  const betaStart = number(raw, 'beta_start', d.betaStart);
  const betaEnd = number(raw, 'beta_end', d.betaEnd);
  if (!(betaStart > 0 && betaStart <= betaEnd && betaEnd < 1)) {
    throw new RangeError(`scheduler config: need 0 < beta_start <= beta_end < 1, got ${betaStart}..${betaEnd}`);
  }
  const className = optional(raw, '_class_name', 'string');
  const timestepSpacing = oneOfOptional(raw, 'timestep_spacing', TIMESTEP_SPACINGS);
  return {
    ...(className === undefined ? {} : { className }),
    numTrainTimesteps,
    betaStart,
    betaEnd,
    betaSchedule: oneOfOptional(raw, 'beta_schedule', BETA_SCHEDULES) ?? d.betaSchedule,
    predictionType: oneOfOptional(raw, 'prediction_type', PREDICTION_TYPES) ?? d.predictionType,
    stepsOffset: integer(raw, 'steps_offset', d.stepsOffset, 0),
    setAlphaToOne: optional(raw, 'set_alpha_to_one', 'boolean') ?? d.setAlphaToOne,
    clipSample: optional(raw, 'clip_sample', 'boolean') ?? d.clipSample,
    clipSampleRange: positive(raw, 'clip_sample_range', d.clipSampleRange),
    timestepSpacing: timestepSpacing ?? classDefaultSpacing(className) ?? d.timestepSpacing,
  };
}

function classDefaultSpacing(className: string | undefined): TimestepSpacing | undefined {
  return className !== undefined && Object.hasOwn(CLASS_DEFAULT_SPACING, className)
    ? CLASS_DEFAULT_SPACING[className]
    : undefined;
}

interface JsonTypes {
  string: string;
  number: number;
  boolean: boolean;
}

function optional<K extends keyof JsonTypes>(
  raw: Record<string, unknown>,
  key: string,
  type: K,
): JsonTypes[K] | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) {
    throw new TypeError(`scheduler config: ${key} must be a ${type}, got ${JSON.stringify(value)}`);
  }
  return value as JsonTypes[K];
}

function number(raw: Record<string, unknown>, key: string, fallback: number): number {
  const value = optional(raw, key, 'number') ?? fallback;
  if (!Number.isFinite(value)) throw new RangeError(`scheduler config: ${key} must be finite, got ${value}`);
  return value;
}

function positive(raw: Record<string, unknown>, key: string, fallback: number): number {
  const value = number(raw, key, fallback);
  if (value <= 0) throw new RangeError(`scheduler config: ${key} must be > 0, got ${value}`);
  return value;
}

function integer(raw: Record<string, unknown>, key: string, fallback: number, min: number): number {
  const value = number(raw, key, fallback);
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`scheduler config: ${key} must be an integer >= ${min}, got ${value}`);
  }
  return value;
}

function oneOfOptional<T extends string>(
  raw: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
): T | undefined {
  const value = optional(raw, key, 'string');
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new RangeError(
      `scheduler config: ${key}="${value}" is not supported; use one of ${allowed.map((a) => `"${a}"`).join(', ')}`,
    );
  }
  return value as T;
}
