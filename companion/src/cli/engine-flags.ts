// Flags shared by `imagic edit` and `imagic render`, parsed in the action (not by commander's argParser) so that a
// bad value exits with one coded line (INVALID_SPEC) like every other bad input.
import { Option } from 'commander';
import { fail } from '../errors.ts';
import type { LateAdapters } from '../engine/late-adapters.ts';
import type { SampleSettings } from '../engine/settings.ts';
import { isProviderSetting, type ProviderSetting } from '../runtime/worker/provider-choice.ts';
import { schedulers, type SchedulerName } from '../diffusion/schedulers/samplers.ts';
import type { RegionFlags } from './edit-runs.ts';

export interface SamplingFlags {
  eta?: string;
  seeds?: string;
  steps?: string;
  guidance?: string;
  sampler?: string;
  lateAdapters?: string;
  provider?: string;
  verbose?: boolean;
}

export const samplingOptions = (): Option[] => [
  new Option(
    '--eta <list>',
    "interpolation weights η, comma-separated (0 = the input, 1 = the text; good edits are often at 0.6–1; default: the model's recommended η, else 0.7)",
  ),
  new Option('--seeds <list>', 'sampling seeds, comma-separated: one output per η and seed'),
  new Option('--steps <n>', 'sampling steps'),
  new Option('--guidance <g>', 'classifier-free guidance scale'),
  new Option('--sampler <name>', `sampler: ${Object.keys(schedulers).join(', ')}`),
  new Option(
    '--late-adapters <from,scale>',
    "fade the fine-tuned adapters to <scale> (at η ≥ 1) after the fraction <from> of the sampling steps, e.g. 0.5,0.3; 'off' keeps them at full strength (default: the model's recommendation, else off)",
  ),
  new Option('--provider <name>', 'execution provider: auto (default), cuda, dml, coreml, webgpu, cpu'),
  new Option('--verbose', 'also say why this execution provider runs (what auto tried and measured)'),
];

export function parseNumber(flag: string, value: string, check: (n: number) => boolean, want: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n))
    fail('INVALID_SPEC', `--${flag} ${JSON.stringify(value)}: expected ${want}`);
  return n;
}

export function parseList(flag: string, value: string, check: (n: number) => boolean, want: string): number[] {
  return value.split(',').map((part) => parseNumber(flag, part.trim(), check, want));
}

const isInt = (n: number) => Number.isSafeInteger(n);

/** Only the flags that were given, so saved or preset values fill the rest. */
export function parseSamplingFlags(flags: SamplingFlags): Partial<SampleSettings> {
  const out: { -readonly [K in keyof SampleSettings]?: SampleSettings[K] } = {};
  if (flags.eta !== undefined)
    out.etas = parseList('eta', flags.eta, (n) => n >= -0.5 && n <= 2, 'numbers in [-0.5, 2], e.g. 0.6,0.7,0.8');
  if (flags.seeds !== undefined)
    out.seeds = parseList(
      'seeds',
      flags.seeds,
      (n) => isInt(n) && n >= 0 && n <= 0xffffffff,
      'integers in [0, 2^32), e.g. 1,2,3',
    );
  if (flags.steps !== undefined)
    out.steps = parseNumber('steps', flags.steps, (n) => isInt(n) && n >= 1 && n <= 1000, 'an integer in 1..1000');
  if (flags.guidance !== undefined)
    out.guidanceScale = parseNumber('guidance', flags.guidance, (n) => n >= 0 && n <= 30, 'a number in [0, 30]');
  if (flags.sampler !== undefined) {
    if (!Object.hasOwn(schedulers, flags.sampler))
      fail('INVALID_SPEC', `--sampler ${flags.sampler}: expected one of ${Object.keys(schedulers).join(', ')}`);
    out.sampler = flags.sampler as SchedulerName;
  }
  if (flags.lateAdapters !== undefined) out.lateAdapters = parseLateAdapters(flags.lateAdapters);
  return out;
}

/** `from,scale`, or `off` (full strength throughout, what a model without a recommendation gets). */
export function parseLateAdapters(value: string): LateAdapters {
  if (value.trim() === 'off') return { from: 1, scale: 1 };
  const want = "'from,scale' with both in [0, 1], e.g. 0.5,0.3, or 'off'";
  const parts = parseList('late-adapters', value, (n) => n >= 0 && n <= 1, want);
  if (parts.length !== 2) fail('INVALID_SPEC', `--late-adapters ${JSON.stringify(value)}: expected ${want}`);
  return { from: parts[0]!, scale: parts[1]! };
}

export function parseProvider(value: string | undefined): ProviderSetting | undefined {
  const v = value ?? process.env['IMAGIC_PROVIDER'];
  if (v === undefined || v === '') return undefined;
  if (!isProviderSetting(v)) fail('INVALID_SPEC', `--provider ${v}: expected auto, cuda, dml, coreml, webgpu or cpu`);
  return v as ProviderSetting;
}

/** `--mask`, `--auto-mask`, `--source-prompt` and `--feather`, as `imagic edit` and `imagic render` take them. */
export interface RegionOptionFlags {
  mask?: string;
  autoMask?: boolean;
  sourcePrompt?: string;
  feather?: string;
}

export const regionOptions = (): Option[] => [
  new Option(
    '--mask <png>',
    "where the edit may change the layer: a PNG of the layer's size, white (or opaque) may change, black (or transparent) is kept exactly",
  ),
  new Option(
    '--auto-mask',
    'let the model find where the edit must change the layer (DiffEdit) and keep the rest exactly; the mask is written beside the outputs',
  ),
  new Option(
    '--source-prompt <text>',
    'quick mode with --auto-mask: what the layer shows now (default: the empty prompt)',
  ),
  new Option('--feather <px>', "width of the mask's blended edge, inside it (default: 1% of the layer's longer side)"),
];

export function parseRegionFlags(flags: RegionOptionFlags): RegionFlags | undefined {
  if (flags.mask === undefined && !flags.autoMask && flags.sourcePrompt === undefined && flags.feather === undefined)
    return undefined;
  const featherPx =
    flags.feather === undefined
      ? undefined
      : parseNumber('feather', flags.feather, (n) => Number.isInteger(n) && n >= 0, 'a whole number of pixels ≥ 0');
  return {
    ...(flags.mask === undefined ? {} : { maskPath: flags.mask }),
    ...(flags.autoMask ? { auto: true } : {}),
    ...(flags.sourcePrompt === undefined ? {} : { sourcePrompt: flags.sourcePrompt }),
    ...(featherPx === undefined ? {} : { featherPx }),
  };
}
