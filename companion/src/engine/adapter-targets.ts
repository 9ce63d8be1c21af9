// Which UNet layers get low-rank adapters in stage 2, by the module names of diffusers' UNet2DConditionModel as a
// TorchScript export names its nodes (the protocol's AdapterTarget values, one row each).
import type { AdapterTarget } from '../../../shared/src/protocol/edit-request.ts';

export type { AdapterTarget };

export const ADAPTER_TARGET_PATTERNS: Readonly<Record<AdapterTarget, string>> = {
  to_q: '/attn[12]/to_q/MatMul$',
  to_k: '/attn[12]/to_k/MatMul$',
  to_v: '/attn[12]/to_v/MatMul$',
  to_out: '/attn[12]/to_out\\.0/MatMul$',
  // GEGLU's projection (net.0.proj) and the output Linear (net.2).
  ff: '/ff/net\\.(0/proj|2)/MatMul$',
  // Every convolution (LoCon): the resnets' 3×3 convs and 1×1 shortcuts, conv_in, conv_out, the down/upsamplers and
  // the transformers' proj_in/proj_out. On the tiny package (300 stage-2 steps at 3e-3, rank 8) this reached a loss of
  // 0.19 where the resnets' convs alone reached 0.35: conv_in and conv_out are where the model's input and its noise
  // prediction are mapped.
  conv: '/Conv$',
  // The convolutions of the contracting half only: conv_in, the down blocks and the mid block (a subset of `conv`).
  // The expanding half, which paints the prediction, stays as trained, so a changed caption can still repaint what the
  // adapters placed (models/demo/README.md measures it against `conv`).
  conv_down: '^/(conv_in|down_blocks\\.\\d+|mid_block)/.*Conv$',
};

export const isAdapterTarget = (value: string): value is AdapterTarget => Object.hasOwn(ADAPTER_TARGET_PATTERNS, value);

export const adapterPatterns = (targets: readonly AdapterTarget[]): string[] =>
  targets.map((t) => ADAPTER_TARGET_PATTERNS[t]);
