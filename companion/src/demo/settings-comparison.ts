// The stage-2 settings compared on the demo model (issue 5, item 5): the adapter rank and the layers that get
// adapters, and the learning rates, from attention-only adapters up to rank-32 adapters on every projection,
// feed-forward and conv layer, which for this UNet's 32-channel layers is a full-rank update (the closest the engine
// gets to the paper's whole-UNet fine-tuning; only norms, biases and the time embedding stay frozen).
import type { TrainSettings } from '../engine/settings.ts';

export interface SettingsVariant {
  readonly label: string;
  readonly train: Partial<TrainSettings>;
}

const ATTENTION = ['to_q', 'to_k', 'to_v', 'to_out'] as const;

export const SETTINGS_VARIANTS: readonly SettingsVariant[] = [
  { label: 'attention only, rank 4', train: { adapterTargets: [...ATTENTION], adapterRank: 4, adapterAlpha: 4 } },
  { label: 'attention + conv, rank 4 (engine default)', train: { adapterTargets: [...ATTENTION, 'conv'], adapterRank: 4, adapterAlpha: 4 } },
  { label: 'attention + conv, rank 4, tune lr ×3', train: { adapterTargets: [...ATTENTION, 'conv'], adapterRank: 4, adapterAlpha: 4, tuneLr: 3e-3 } },
  { label: 'attention + ff + conv, rank 8', train: { adapterTargets: [...ATTENTION, 'ff', 'conv'], adapterRank: 8, adapterAlpha: 8 } },
  { label: 'everything, rank 32 (≈ full fine-tuning)', train: { adapterTargets: [...ATTENTION, 'ff', 'conv'], adapterRank: 32, adapterAlpha: 32 } },
];
