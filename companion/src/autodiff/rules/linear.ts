// Gradients of MatMul, Gemm, Conv and ConvTranspose with standard ops only (docs/onnx.md §2.3, §2.5):
// Conv's input gradient is a ConvTranspose, its weight gradient a Conv over transposed tensors.
import { attrFloat, attrInt, attrInts, attrString, intAttr, intsAttr, type Attr } from '../../graph/ir.ts';
import { numel } from '../../graph/tensor.ts';
import { RuleError, type GradContext, type GradientRule } from '../rule.ts';

/**
 * Xᵀ·G, or G·Xᵀ (`side`), over the last two axes, transposing whichever moves fewer bytes: X itself, or G and the
 * product ((Gᵀ·X)ᵀ = Xᵀ·G). Attention's dV = Pᵀ·dO would otherwise copy every [heads, HW, HW] probability matrix
 * (512 MiB per SD 1.5 self-attention layer at 64×64 latents) to multiply it by a [heads, HW, 40] gradient.
 */
function productWithTransposed(e: GradContext['e'], x: string, g: string, side: 'left' | 'right'): string {
  const gd = e.dims(g);
  const rows = gd[gd.length - 2]!;
  const cols = gd[gd.length - 1]!;
  const xd = e.dims(x);
  const other = side === 'left' ? xd[xd.length - 1]! : xd[xd.length - 2]!;
  const product = (numel(gd) / (rows * cols)) * other * (side === 'left' ? cols : rows);
  if (numel(xd) <= numel(gd) + product)
    return side === 'left' ? e.matmul(e.transposeLast2(x), g) : e.matmul(g, e.transposeLast2(x));
  const gt = e.transposeLast2(g);
  return e.transposeLast2(side === 'left' ? e.matmul(gt, x) : e.matmul(x, gt));
}

/** Y = A·B with numpy semantics: rank-1 operands are promoted, batch dims broadcast. */
export const matmul: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const e = c.e;
  const a = c.dims(c.x(0));
  const b = c.dims(c.x(1));
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const A = e.reshape(c.x(0), a2);
  const B = e.reshape(c.x(1), b2);
  const batch = e.dims(e.op1('MatMul', [A, B])).slice(0, -2);
  const m = a2[a2.length - 2]!;
  const n = b2[b2.length - 1]!;
  const k = a2[a2.length - 1]!;
  const G = e.reshape(dy, [...batch, m, n]);
  let dA: string | null = null;
  let dB: string | null = null;
  if (c.needs(0)) {
    // A 2-D weight: Gemm(transB=1) reads W as it is. Transpose(W) would be constant-folded by onnxruntime into
    // a second copy of every linear weight (about 1.4 GB for SD 1.5 in fp32).
    dA =
      b2.length === 2 && b.length === 2
        ? e.reshape(e.op1('Gemm', [e.reshape(G, [numel(e.dims(G)) / n, n]), B], { transB: intAttr(1) }), a)
        : e.reshape(e.unbroadcast(productWithTransposed(e, B, G, 'right'), a2), a);
  }
  if (c.needs(1)) {
    // A 2-D weight under a batched activation (every Linear layer): fold the batch into one MatMul.
    dB =
      b2.length === 2 && a2.length > 2
        ? e.matmul(e.transposeLast2(e.reshape(A, [numel(a2) / k, k])), e.reshape(G, [numel(a2) / k, n]))
        : e.unbroadcast(productWithTransposed(e, A, G, 'left'), b2);
    dB = e.reshape(dB, b);
  }
  return [dA, dB];
};

/** Y = α·A'·B' + β·C with A' = transA ? Aᵀ : A, B' likewise. */
export const gemm: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const e = c.e;
  const alpha = attrFloat(c.node, 'alpha', 1);
  const beta = attrFloat(c.node, 'beta', 1);
  const tA = attrInt(c.node, 'transA', 0) === 1;
  const tB = attrInt(c.node, 'transB', 0) === 1;
  const T = (x: string) => e.transpose(x, [1, 0]);
  let dA: string | null = null;
  let dB: string | null = null;
  if (c.needs(0)) {
    const Bt = tB ? c.x(1) : T(c.x(1)); // B'ᵀ
    const g = e.scale(e.matmul(dy, Bt), alpha);
    dA = tA ? T(g) : g;
  }
  if (c.needs(1)) {
    const At = tA ? c.x(0) : T(c.x(0)); // A'ᵀ
    const g = e.scale(e.matmul(At, dy), alpha);
    dB = tB ? T(g) : g;
  }
  const dC = c.needs(2) ? e.unbroadcast(e.scale(dy, beta), c.dims(c.x(2))) : null;
  return [dA, dB, dC];
};

interface ConvGeometry {
  spatial: number;
  kernel: number[];
  strides: number[];
  dilations: number[];
  pads: number[];
  group: number;
}

/** Resolves auto_pad to explicit pads, so the backward convs can use plain numbers. */
function convGeometry(c: GradContext): ConvGeometry {
  const x = c.dims(c.x(0));
  const w = c.dims(c.x(1));
  const spatial = x.length - 2;
  const ones = new Array<number>(spatial).fill(1);
  const kernel = [...(attrInts(c.node, 'kernel_shape') ?? w.slice(2))];
  const strides = [...(attrInts(c.node, 'strides') ?? ones)];
  const dilations = [...(attrInts(c.node, 'dilations') ?? ones)];
  let pads = [...(attrInts(c.node, 'pads') ?? new Array<number>(2 * spatial).fill(0))];
  const autoPad = attrString(c.node, 'auto_pad', 'NOTSET');
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array<number>(2 * spatial).fill(0);
    for (let i = 0; i < spatial; i++) {
      const out = Math.ceil(x[i + 2]! / strides[i]!);
      const total = Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - x[i + 2]!);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + spatial] = total - pads[i]!;
    }
  } else if (autoPad === 'VALID') pads = new Array<number>(2 * spatial).fill(0);
  return { spatial, kernel, strides, dilations, pads, group: attrInt(c.node, 'group', 1) };
}

/**
 * dX of a Conv = ConvTranspose(dY, W), reading the frozen W as it is. (A Conv with W transposed and flipped runs
 * faster on the CPU provider's NCHWc path, but onnxruntime folds that kernel into a second copy of every conv weight:
 * 2.1 GiB for SD 1.5 in fp32, docs/providers.md.) The transpose can come out shorter than X by up to stride−1 rows
 * (the rows the forward's floor division dropped); we recover them by trimming the end padding, and use
 * output_padding only when the end padding is smaller than the gap (CoreML rejects output_padding).
 */
function convInputGrad(c: GradContext, dy: string, g: ConvGeometry): string {
  const x = c.dims(c.x(0));
  const yd = c.dims(dy);
  const pads = [...g.pads];
  const outputPadding = new Array<number>(g.spatial).fill(0);
  for (let i = 0; i < g.spatial; i++) {
    const full =
      g.strides[i]! * (yd[i + 2]! - 1) + (g.kernel[i]! - 1) * g.dilations[i]! + 1 - pads[i]! - pads[i + g.spatial]!;
    const gap = x[i + 2]! - full;
    if (gap <= pads[i + g.spatial]!) pads[i + g.spatial] = pads[i + g.spatial]! - gap;
    else outputPadding[i] = gap;
  }
  const attrs: Record<string, Attr> = {
    strides: intsAttr(g.strides),
    dilations: intsAttr(g.dilations),
    pads: intsAttr(pads),
    group: intAttr(g.group),
    kernel_shape: intsAttr(g.kernel),
  };
  if (outputPadding.some((p) => p !== 0)) attrs['output_padding'] = intsAttr(outputPadding);
  return c.e.op1('ConvTranspose', [dy, c.x(1)], attrs);
}

/**
 * dW = Conv(Xᵀ, dYᵀ) with the roles of stride and dilation swapped, per group, then cropped to the kernel:
 * treating channels as the batch turns the correlation of X with dY into an ordinary convolution.
 */
function convWeightGrad(c: GradContext, dy: string, g: ConvGeometry): string {
  const e = c.e;
  const x = c.dims(c.x(0));
  const w = c.dims(c.x(1));
  const swap = [1, 0, ...Array.from({ length: g.spatial }, (_, i) => i + 2)];
  const xs = e.split(c.x(0), new Array<number>(g.group).fill(x[1]! / g.group), 1);
  const dys = e.split(dy, new Array<number>(g.group).fill(w[0]! / g.group), 1);
  const parts = xs.map((xg, k) => {
    const conv = e.op1('Conv', [e.transpose(xg, swap), e.transpose(dys[k]!, swap)], {
      strides: intsAttr(g.dilations),
      dilations: intsAttr(g.strides),
      pads: intsAttr(g.pads),
    });
    const cd = e.dims(conv);
    const needsCrop = g.kernel.some((k2, i) => cd[i + 2] !== k2);
    const axes = g.kernel.map((_, i) => i + 2);
    const cropped = needsCrop
      ? e.op1('Slice', [conv, e.ints(axes.map(() => 0)), e.ints(g.kernel), e.ints(axes)])
      : conv;
    return e.transpose(cropped, swap);
  });
  return parts.length === 1 ? parts[0]! : e.op1('Concat', parts, { axis: intAttr(0) });
}

export const conv: GradientRule = ([dy], c) => {
  if (!dy) return [];
  const g = convGeometry(c);
  const spatialAxes = [0, ...Array.from({ length: g.spatial }, (_, i) => i + 2)];
  return [
    c.needs(0) ? convInputGrad(c, dy, g) : null,
    c.needs(1) ? convWeightGrad(c, dy, g) : null,
    c.needs(2) ? c.e.reduceSum(dy, spatialAxes, false) : null,
  ];
};

/** dX of a ConvTranspose is the Conv it transposes (output_padding only adds rows that the Conv ignores). */
export const convTranspose: GradientRule = ([dy], c) => {
  if (!dy) return [];
  if (c.needs(1))
    throw new RuleError(c.node, 'the weight gradient of ConvTranspose is not implemented; freeze its weight');
  const attrs: Record<string, Attr> = {};
  for (const k of ['strides', 'dilations', 'pads', 'group', 'kernel_shape', 'auto_pad']) {
    const a = c.node.attrs[k];
    if (a) attrs[k] = a;
  }
  const spatialAxes = [
    0,
    ...c
      .dims(dy)
      .slice(2)
      .map((_, i) => i + 2),
  ];
  return [
    c.needs(0) ? c.e.op1('Conv', [dy, c.x(1)], attrs) : null,
    null,
    c.needs(2) ? c.e.reduceSum(dy, spatialAxes, false) : null,
  ];
};
