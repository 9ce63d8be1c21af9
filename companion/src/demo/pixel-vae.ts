// The demo's "VAE": pixel space, documented as such in models/demo/README.md. The engine works on a canvas 8× the
// latent (SD's VAE factor, package-loader.ts), so for 32×32 scenes the canvas is 256×256, made by the engine's own
// lanczos3 resize (images/model-input.ts). This VAE undoes exactly that: the encoder averages each 8×8 cell back to
// one pixel and maps RGB to 4 latent channels with M, a 4×3 matrix with orthonormal columns (its pseudo-inverse is
// Mᵀ); the decoder maps back with Mᵀ and repeats each latent pixel over its 8×8 cell. No weights are learnt.
//
// The engine's resizes are not exact inverses of averaging: lanczos3 upsampling then 8×8 averaging blurs and shifts by
// a fraction of a pixel, and lanczos3 downsampling of 8×8 cells blurs too (≈ 36 dB PSNR round trip on the data set).
// The encoder therefore carries a 5×5 correction filter at latent resolution, the least-squares inverse of the
// upsampling's measured impulse response (measureResampling), applied with edge padding: 42 dB round trip (min 37).
// The decoder has none: the inverse of the downsampling blur overshoots, and the engine clamps the overshoot next to
// white and black backgrounds before it downsamples, which cost more than the blur (34 dB).
import { floatAttr, intAttr, intsAttr, stringAttr, type Model } from '../graph/ir.ts';
import { fromNumbers } from '../graph/tensor.ts';
import { toModelInput } from '../images/model-input.ts';
import { GraphBuilder } from '../model-builder/graph-builder.ts';
import { LATENT_CHANNELS, VAE_FACTOR } from './demo-config.ts';

/** RGB → latent rows; columns orthonormal (three columns of a 4×4 Hadamard matrix / 2). */
export const MIX: readonly (readonly [number, number, number])[] = [
  [0.5, 0.5, 0.5],
  [0.5, -0.5, 0.5],
  [0.5, 0.5, -0.5],
  [0.5, -0.5, -0.5],
];
/** The posterior's log-variance: the encoder is deterministic, so a narrow one. */
const LOGVAR = -30;
/** Correction taps per axis (offsets −2..2) and the ridge weight keeping them small. */
const TAPS = 5;
const RIDGE = 1e-4;

/** 1-D kernels, per axis, of a scene pixel through the engine's lanczos3 upsampling and 8×8 averaging (offsets −3..3). */
export interface ResamplingKernels {
  readonly x: readonly number[];
  readonly y: readonly number[];
}

export interface PixelVaeOptions {
  readonly latentSize: number;
  /** The encoder's correction filter (offsets −2..2) per axis; identity when absent. */
  readonly filter?: ResamplingKernels;
}

const IDENTITY = [0, 0, 1, 0, 0];
const REACH = 3;

/** Impulse response of the engine's image path at the demo's scale: one scene pixel through toModelInput and 8×8 averaging. */
export async function measureResampling(latentSize: number): Promise<ResamplingKernels> {
  const canvas = latentSize * VAE_FACTOR;
  const c0 = latentSize >> 1;
  const base = 128;
  const bump = 100;
  const scene = new Uint8Array(latentSize * latentSize * 4).fill(base);
  for (let p = 0; p < latentSize * latentSize; p++) scene[p * 4 + 3] = 255;
  scene[(c0 * latentSize + c0) * 4] = base + bump;
  const input = await toModelInput({ width: latentSize, height: latentSize, rgba: scene }, { width: canvas, height: canvas });
  const level = base / 127.5 - 1;
  const cell = (y: number, x: number) => {
    let s = 0;
    for (let dy = 0; dy < VAE_FACTOR; dy++) for (let dx = 0; dx < VAE_FACTOR; dx++) s += input.pixels[(y * VAE_FACTOR + dy) * canvas + x * VAE_FACTOR + dx]!;
    return ((s / VAE_FACTOR ** 2 - level) * 127.5) / bump;
  };
  const offsets = Array.from({ length: 2 * REACH + 1 }, (_, i) => i - REACH);
  // The response is separable: its row and column sums are the two 1-D kernels.
  return {
    x: offsets.map((o) => offsets.reduce((s, p) => s + cell(c0 + p, c0 + o), 0)),
    y: offsets.map((o) => offsets.reduce((s, p) => s + cell(c0 + o, c0 + p), 0)),
  };
}

/** Taps h (offsets −2..2) minimising ‖h ∗ k − δ‖² + RIDGE·‖h‖² for a kernel k with offsets −3..3. */
export function inverseFilter(k: readonly number[]): number[] {
  const rows = k.length + TAPS - 1;
  const centre = (rows - 1) / 2;
  const a = (j: number, i: number) => k[j - i] ?? 0;
  const ata = Array.from({ length: TAPS }, (_, i) => Array.from({ length: TAPS }, (_, l) => Array.from({ length: rows }, (_, j) => a(j, i) * a(j, l)).reduce((s, v) => s + v, 0) + (i === l ? RIDGE : 0)));
  const atb = Array.from({ length: TAPS }, (_, i) => a(centre, i));
  // Gaussian elimination with partial pivoting on the 5×5 normal equations.
  for (let col = 0; col < TAPS; col++) {
    const pivot = ata.slice(col).reduce((best, row, r) => (Math.abs(row[col]!) > Math.abs(ata[best]![col]!) ? r + col : best), col);
    [ata[col], ata[pivot]] = [ata[pivot]!, ata[col]!];
    [atb[col], atb[pivot]] = [atb[pivot]!, atb[col]!];
    for (let r = col + 1; r < TAPS; r++) {
      const f = ata[r]![col]! / ata[col]![col]!;
      for (let c = col; c < TAPS; c++) ata[r]![c]! -= f * ata[col]![c]!;
      atb[r]! -= f * atb[col]!;
    }
  }
  const h = new Array<number>(TAPS).fill(0);
  for (let r = TAPS - 1; r >= 0; r--) h[r] = (atb[r]! - ata[r]!.slice(r + 1).reduce((s, v, i) => s + v * h[r + 1 + i]!, 0)) / ata[r]![r]!;
  return h;
}

/** The encoder's correction filter for the engine's resampling at this latent size. */
export async function correctionFilter(latentSize: number): Promise<ResamplingKernels> {
  const k = await measureResampling(latentSize);
  return { x: inverseFilter(k.x), y: inverseFilter(k.y) };
}

/**
 * A 5×5 correction filter as Conv weights: ONNX Conv is a cross-correlation, out[p] = Σ_o W[o+2]·in[p+o], while
 * the filter is a convolution, out[p] = Σ_o h[o]·in[p−o]; hence the reversal.
 */
const tap = (h: readonly number[], j: number) => h[TAPS - 1 - j]!;

/** Scene-resolution raw latent M·x of an opaque RGBA8 image (what the encoder computes from the engine's canvas). */
export function mixPixels(rgba: Uint8Array, size: number): Float32Array {
  const plane = size * size;
  const out = new Float32Array(LATENT_CHANNELS * plane);
  for (let p = 0; p < plane; p++) {
    const x = [0, 1, 2].map((c) => rgba[p * 4 + c]! / 127.5 - 1);
    for (let o = 0; o < LATENT_CHANNELS; o++) out[o * plane + p] = MIX[o]![0] * x[0]! + MIX[o]![1] * x[1]! + MIX[o]![2] * x[2]!;
  }
  return out;
}

function edgePad(b: GraphBuilder, x: string, pad: number): string {
  return b.e.op1('Pad', [x, b.e.ints([0, 0, pad, pad, 0, 0, pad, pad])], { mode: stringAttr('edge') });
}

function conv(b: GraphBuilder, name: string, x: string, weights: number[], dims: number[], kernel: number, stride: number): string {
  const w = b.weight(`${name}.weight`, fromNumbers('float32', dims, weights));
  const bias = b.weight(`${name}.bias`, fromNumbers('float32', [dims[0]!], new Array<number>(dims[0]!).fill(0)));
  const attrs = { kernel_shape: intsAttr([kernel, kernel]), strides: intsAttr([stride, stride]), pads: intsAttr([0, 0, 0, 0]), group: intAttr(1), dilations: intsAttr([1, 1]) };
  return b.e.op('Conv', [x, w, bias], attrs, { name: `/${name.replaceAll('.', '/')}/Conv` })[0]!;
}

/** `sample` [1,3,8L,8L] in [-1,1] → `latent_parameters` [1,8,L,L] = M·x̄ ‖ LOGVAR (optimum's encoder output form). */
export function buildPixelVaeEncoder(o: PixelVaeOptions): Model {
  const b = new GraphBuilder({ opset: 14, name: 'vae_encoder' });
  const f = o.filter ?? { x: IDENTITY, y: IDENTITY };
  const canvas = o.latentSize * VAE_FACTOR;
  const x = b.input('sample', 'float32', [1, 3, canvas, canvas]);
  // One strided conv does the 8×8 average, the correction filter and the colour mix: kernel 5 cells × 8 pixels.
  const k = TAPS * VAE_FACTOR;
  const dims = [LATENT_CHANNELS, 3, k, k];
  const weights: number[] = [];
  for (let oc = 0; oc < LATENT_CHANNELS; oc++)
    for (let ic = 0; ic < 3; ic++)
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++) weights.push((MIX[oc]![ic]! * tap(f.y, Math.floor(ky / VAE_FACTOR)) * tap(f.x, Math.floor(kx / VAE_FACTOR))) / VAE_FACTOR ** 2);
  const pad = ((TAPS - 1) / 2) * VAE_FACTOR;
  const mean = conv(b, 'encoder.conv_in', edgePad(b, x, pad), weights, dims, k, VAE_FACTOR);
  const logvar = b.e.constant(fromNumbers('float32', [1, LATENT_CHANNELS, o.latentSize, o.latentSize], new Array<number>(LATENT_CHANNELS * o.latentSize ** 2).fill(LOGVAR)), 'logvar');
  b.output(b.e.op1('Concat', [mean, logvar], { axis: intAttr(1) }), 'latent_parameters');
  return b.model;
}

/** `latent_sample` [1,4,L,L] → `sample` [1,3,8L,8L]: Mᵀ as a 1×1 conv, then each pixel repeated over its 8×8 cell. */
export function buildPixelVaeDecoder(o: PixelVaeOptions): Model {
  const b = new GraphBuilder({ opset: 14, name: 'vae_decoder' });
  const z = b.input('latent_sample', 'float32', [1, LATENT_CHANNELS, o.latentSize, o.latentSize]);
  const weights: number[] = [];
  for (let oc = 0; oc < 3; oc++) for (let ic = 0; ic < LATENT_CHANNELS; ic++) weights.push(MIX[ic]![oc]!);
  const rgb = conv(b, 'decoder.conv_out', z, weights, [3, LATENT_CHANNELS, 1, 1], 1, 1);
  const scales = b.e.constant(fromNumbers('float32', [4], [1, 1, VAE_FACTOR, VAE_FACTOR]));
  const up = { mode: stringAttr('nearest'), coordinate_transformation_mode: stringAttr('asymmetric'), nearest_mode: stringAttr('floor'), cubic_coeff_a: floatAttr(-0.75) };
  b.output(b.e.op1('Resize', [rgb, '', scales], up), 'sample');
  return b.model;
}
