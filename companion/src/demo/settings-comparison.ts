// The stage-2 settings compared on the demo model (issue 5, item 5), each on top of the community preset's step
// counts: the engine's SD defaults (rank 8 on attention and convs), attention only, and rank-32 adapters on every
// projection, feed-forward and conv layer, which for this UNet's 32–64-channel layers is a full-rank update (the
// closest the engine gets to the paper's whole-UNet fine-tuning; only norms, biases and the time embedding stay
// frozen), at three learning-rate choices; and the engine's adapters at lower rates, which is where edits appeared.
import type { AdapterTarget } from '../engine/adapter-targets.ts';
import type { TrainSettings } from '../engine/settings.ts';

export interface SettingsVariant {
  readonly label: string;
  readonly train: Partial<TrainSettings>;
}

const ATTENTION = ['to_q', 'to_k', 'to_v', 'to_out'] as const;
export const ALL_ADAPTER_TARGETS: readonly AdapterTarget[] = [...ATTENTION, 'ff', 'conv'];

export const SETTINGS_VARIANTS: readonly SettingsVariant[] = [
  { label: 'attention only, rank 8, 3e-3', train: { adapterTargets: [...ATTENTION], adapterRank: 8, adapterAlpha: 8, tuneLr: 3e-3, tuneLrSchedule: 'constant' } },
  { label: 'attention + conv, rank 8, 3e-3 (the engine\'s default)', train: { adapterTargets: [...ATTENTION, 'conv'], adapterRank: 8, adapterAlpha: 8, tuneLr: 3e-3, tuneLrSchedule: 'constant' } },
  { label: 'attention + conv, rank 8, 1e-3 (chosen)', train: { adapterTargets: [...ATTENTION, 'conv'], adapterRank: 8, adapterAlpha: 8, tuneLr: 1e-3, tuneLrSchedule: 'constant' } },
  { label: 'attention + conv, rank 8, 5e-4', train: { adapterTargets: [...ATTENTION, 'conv'], adapterRank: 8, adapterAlpha: 8, tuneLr: 5e-4, tuneLrSchedule: 'constant' } },
  { label: 'everything, rank 32 (≈ full fine-tuning), 3e-3', train: { adapterTargets: [...ALL_ADAPTER_TARGETS], adapterRank: 32, adapterAlpha: 32, tuneLr: 3e-3, tuneLrSchedule: 'constant' } },
  { label: 'everything, rank 32, 5e-4', train: { adapterTargets: [...ALL_ADAPTER_TARGETS], adapterRank: 32, adapterAlpha: 32, tuneLr: 5e-4, tuneLrSchedule: 'constant' } },
  { label: 'everything, rank 32, 5e-4 cosine to a tenth', train: { adapterTargets: [...ALL_ADAPTER_TARGETS], adapterRank: 32, adapterAlpha: 32, tuneLr: 5e-4, tuneLrSchedule: 'cosine' } },
];
