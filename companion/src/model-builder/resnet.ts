// diffusers' ResnetBlock2D (pre-norm, time_embedding_norm "default", output_scale_factor 1), Downsample2D and
// Upsample2D, in export form (docs/onnx.md §1.4):
//   GN → SiLU → Conv3×3 → + Gemm(SiLU(temb))[:, :, None, None] → GN → SiLU → Conv3×3 → + (Conv1×1 shortcut | x).
import { floatAttr, stringAttr } from '../graph/ir.ts';
import { groupNorm } from './group-norm.ts';
import { conv2d, gemmLinear, silu } from './layers.ts';
import type { ModuleGraph } from './module-graph.ts';

export interface ResnetOptions {
  readonly outChannels: number;
  readonly groups: number;
  readonly eps: number;
}

export function resnetBlock(g: ModuleGraph, scope: string, x: string, temb: string, o: ResnetOptions): string {
  const inChannels = g.dims(x)[1]!;
  const act = `${scope}/nonlinearity`;
  let h = silu(g, act, groupNorm(g, `${scope}/norm1`, x, o.groups, o.eps));
  h = conv2d(g, `${scope}/conv1`, h, o.outChannels, { kernel: 3 });
  const t = gemmLinear(g, `${scope}/time_emb_proj`, silu(g, act, temb), o.outChannels);
  h = g.op(scope, 'Add', [h, g.op(scope, 'Unsqueeze', [t, g.ints([2, 3])])]);
  h = silu(g, act, groupNorm(g, `${scope}/norm2`, h, o.groups, o.eps));
  h = conv2d(g, `${scope}/conv2`, h, o.outChannels, { kernel: 3 });
  const shortcut =
    inChannels === o.outChannels ? x : conv2d(g, `${scope}/conv_shortcut`, x, o.outChannels, { kernel: 1 });
  return g.op(scope, 'Add', [shortcut, h]);
}

/** Downsample2D(use_conv=True, padding=1): Conv 3×3 stride 2 pad 1. */
export function downsample(g: ModuleGraph, scope: string, x: string): string {
  return conv2d(g, `${scope}/conv`, x, g.dims(x)[1]!, { kernel: 3, stride: 2 });
}

/** Upsample2D(use_conv=True): F.interpolate(scale_factor=2, mode="nearest") → Resize with scales, then Conv 3×3. */
export function upsample(g: ModuleGraph, scope: string, x: string): string {
  const scales = g.constant([4], [1, 1, 2, 2], 'float32');
  const up = g.op(scope, 'Resize', [x, '', scales], {
    coordinate_transformation_mode: stringAttr('asymmetric'),
    cubic_coeff_a: floatAttr(-0.75),
    mode: stringAttr('nearest'),
    nearest_mode: stringAttr('floor'),
  });
  return conv2d(g, `${scope}/conv`, up, g.dims(x)[1]!, { kernel: 3 });
}
