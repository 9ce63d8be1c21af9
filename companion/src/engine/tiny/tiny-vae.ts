// A tiny autoencoder pair in the I/O form of Stable Diffusion's exported VAE (docs/onnx.md §1.3): the encoder maps
// `sample` [1,3,H,W] in [-1,1] to the posterior's parameters (mean‖logvar, `latent_parameters` [1,8,H/8,W/8], optimum
// ≥ 1.23) or to a sample from it (`latent_sample` [1,4,H/8,W/8] with an in-graph RandomNormalLike, the diffusers
// script and Olive); the decoder maps `latent_sample` to `sample` with nearest ×2 Resizes and convs.
// Unlike a random network, it is built to be (nearly) invertible, so that the η = 0 reconstruction of a tiny edit
// can be measured: the encoder is three 2×2 stride-2 averaging convs mixing RGB into 4 channels with a matrix M
// (full column rank), the decoder upsamples and maps back with M's pseudo-inverse. decode(encode(x)) is x averaged
// over 8×8 blocks. The latent is divided by the package's scaling factor, so that z0 = scale·latent = gain·M·x̄ has
// the unit spread of SD's scaled latents only when the loader reads the package's own factor.
import type { DType } from '../../graph/dtype.ts';
import { floatAttr, intAttr, intsAttr, stringAttr, type Model } from '../../graph/ir.ts';
import { fromNumbers, numel } from '../../graph/tensor.ts';
import { GraphBuilder } from '../../model-builder/graph-builder.ts';
import { Rng } from '../../util/rng.ts';

export type VaeEncoderOutput = 'latent_sample' | 'latent_parameters';

export interface TinyVaeOptions {
  /** Image side in pixels (a multiple of 8). */
  readonly imageSize: number;
  readonly encoderOutput: VaeEncoderOutput;
  readonly dtype: 'float32' | 'float16';
  readonly scalingFactor: number;
  readonly seed: number;
}

export const LATENT_CHANNELS = 4;
/** SD's VAE downsamples by 2³. */
export const VAE_DOWNSAMPLE = 8;
/** The logvar the encoder reports: a narrow posterior, as a trained VAE's is. */
const LOGVAR = -8;
/**
 * z0 = GAIN·M·x̄: SD's scaling factor is chosen so that scaled latents have unit variance (Rombach et al. 2022,
 * §3.3 and appendix G); for images in [-1, 1] with a spread of ~0.5, M·x̄ has an rms of ~0.3, so ×3.5 gets z0 there.
 */
const LATENT_GAIN = 3.5;
/** Spread of the perturbation added to the analytic weights, so they are not exactly the identity. */
const WEIGHT_NOISE = 0.005;

/** RGB → 4 latent channels (rows); any full-column-rank matrix works. */
const MIX: readonly (readonly number[])[] = [
  [0.5, 0.5, 0.5],
  [0.7, -0.7, 0],
  [0.4, 0.4, -0.8],
  [0.3, -0.2, 0.1],
];

/** (MᵀM)⁻¹Mᵀ for the 4×3 MIX: a 3×4 left inverse. */
function pseudoInverse(m: readonly (readonly number[])[]): number[][] {
  const mtm = [0, 1, 2].map((i) => [0, 1, 2].map((j) => m.reduce((s, row) => s + row[i]! * row[j]!, 0)));
  const [a, b, c] = mtm as [number[], number[], number[]];
  const det = a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!);
  const cof = (r: number, s: number) => {
    const rows = [0, 1, 2].filter((i) => i !== r);
    const cols = [0, 1, 2].filter((j) => j !== s);
    const [r0, r1] = rows as [number, number];
    const [c0, c1] = cols as [number, number];
    return (((r + s) % 2 === 0 ? 1 : -1) * (mtm[r0]![c0]! * mtm[r1]![c1]! - mtm[r0]![c1]! * mtm[r1]![c0]!)) / det;
  };
  const inv = [0, 1, 2].map((i) => [0, 1, 2].map((j) => cof(j, i)));
  return inv.map((row) => m.map((mRow) => row.reduce((s, v, k) => s + v * mRow[k]!, 0)));
}

function convAttrs(kernel: number, stride: number, pad: number) {
  return { kernel_shape: intsAttr([kernel, kernel]), strides: intsAttr([stride, stride]), pads: intsAttr([pad, pad, pad, pad]), group: intAttr(1), dilations: intsAttr([1, 1]) };
}

class VaeGraph {
  readonly b: GraphBuilder;
  private readonly rng: Rng;
  constructor(
    name: string,
    private readonly o: TinyVaeOptions,
  ) {
    this.b = new GraphBuilder({ opset: 14, name });
    this.rng = new Rng(o.seed);
  }

  /** A conv weight [out, in, k, k] from `value(o, i, y, x)`, perturbed, plus a zero bias. */
  conv(name: string, x: string, outCh: number, kernel: number, stride: number, pad: number, value: (o: number, i: number, y: number, x: number) => number, bias?: readonly number[]): string {
    const inCh = this.b.e.dims(x)[1]!;
    const dims = [outCh, inCh, kernel, kernel];
    const noise = this.rng.normalArray(numel(dims), WEIGHT_NOISE);
    const values = Array.from({ length: numel(dims) }, (_, n) => {
      const xx = n % kernel;
      const yy = Math.floor(n / kernel) % kernel;
      const i = Math.floor(n / (kernel * kernel)) % inCh;
      const oo = Math.floor(n / (kernel * kernel * inCh));
      return value(oo, i, yy, xx) + noise[n]!;
    });
    const w = this.b.weight(`${name}.weight`, fromNumbers(this.o.dtype, dims, values));
    const bw = this.b.weight(`${name}.bias`, fromNumbers(this.o.dtype, [outCh], bias ?? new Array<number>(outCh).fill(0)));
    return this.b.e.op('Conv', [x, w, bw], convAttrs(kernel, stride, pad), { name: `/${name.replaceAll('.', '/')}/Conv` })[0]!;
  }
}

const delta = (a: number, b: number) => (a === b ? 1 : 0);

export function buildTinyVaeEncoder(o: TinyVaeOptions): Model {
  const g = new VaeGraph('vae_encoder', o);
  const e = g.b.e;
  const x = g.b.input('sample', o.dtype, [1, 3, o.imageSize, o.imageSize]);
  // Three 2×2 averages (each weight 1/4) = an 8×8 block mean; the first also mixes RGB by M/scale.
  let h = g.conv('encoder.conv_in', x, LATENT_CHANNELS, 2, 2, 0, (oc, ic) => (LATENT_GAIN * MIX[oc]![ic]!) / (4 * o.scalingFactor));
  h = g.conv('encoder.down_blocks.0', h, LATENT_CHANNELS, 2, 2, 0, (oc, ic) => delta(oc, ic) / 4);
  h = g.conv('encoder.down_blocks.1', h, LATENT_CHANNELS, 2, 2, 0, (oc, ic) => delta(oc, ic) / 4);
  // quant_conv: 1×1 to the 8 moments, mean = h and logvar = LOGVAR.
  const moments = g.conv('quant_conv', h, 2 * LATENT_CHANNELS, 1, 1, 0, (oc, ic) => delta(oc, ic), [...new Array<number>(LATENT_CHANNELS).fill(0), ...new Array<number>(LATENT_CHANNELS).fill(LOGVAR)]);
  if (o.encoderOutput === 'latent_parameters') {
    g.b.output(moments, 'latent_parameters');
    return g.b.model;
  }
  // DiagonalGaussianDistribution.sample(): mean + exp(0.5·logvar)·randn_like(mean).
  const axis = e.ints([1]);
  const mean = e.op1('Slice', [moments, e.ints([0]), e.ints([LATENT_CHANNELS]), axis]);
  const logvar = e.op1('Slice', [moments, e.ints([LATENT_CHANNELS]), e.ints([2 * LATENT_CHANNELS]), axis]);
  const std = e.op1('Exp', [e.mul(logvar, e.scalar(0.5, o.dtype as DType))]);
  // The shape rules have no row for random ops (the autodiff never sees them): the node is added by hand.
  const noise = 'posterior_noise';
  g.b.graph.nodes.push({ name: '/RandomNormalLike', opType: 'RandomNormalLike', domain: '', inputs: [mean], outputs: [noise], attrs: { mean: floatAttr(0), scale: floatAttr(1) } });
  g.b.graph.types.set(noise, e.type(mean));
  g.b.output(e.add(mean, e.mul(std, noise)), 'latent_sample');
  return g.b.model;
}

export function buildTinyVaeDecoder(o: TinyVaeOptions): Model {
  const g = new VaeGraph('vae_decoder', o);
  const e = g.b.e;
  const latent = o.imageSize / VAE_DOWNSAMPLE;
  let h = g.b.input('latent_sample', o.dtype, [1, LATENT_CHANNELS, latent, latent]);
  h = g.conv('post_quant_conv', h, LATENT_CHANNELS, 1, 1, 0, (oc, ic) => delta(oc, ic));
  const scales = e.constant(fromNumbers('float32', [4], [1, 1, 2, 2]));
  const up = { mode: stringAttr('nearest'), coordinate_transformation_mode: stringAttr('asymmetric'), nearest_mode: stringAttr('floor') };
  for (let i = 0; i < 3; i++) {
    h = e.op1('Resize', [h, '', scales], up);
    h = g.conv(`decoder.up_blocks.${i}.conv`, h, LATENT_CHANNELS, 3, 1, 1, (oc, ic, y, x) => delta(oc, ic) * delta(y, 1) * delta(x, 1));
  }
  const inverse = pseudoInverse(MIX);
  h = g.conv('decoder.conv_out', h, 3, 1, 1, 0, (oc, ic) => (inverse[oc]![ic]! * o.scalingFactor) / LATENT_GAIN);
  g.b.output(h, 'sample');
  return g.b.model;
}
