// The demo's "VAE": pixel space, documented as such in models/demo/README.md, and lossless. The engine works on a
// canvas 8× the latent (SD's VAE factor, package-loader.ts), made by its own lanczos3 resize (images/model-input.ts).
// With S×S scenes and an L×L latent, each scene pixel is a cell of 8L/S canvas pixels and each latent pixel a patch
// of p×p scene pixels, p = S/L. The encoder averages each cell back to one scene pixel, then maps every patch's 3p²
// values to 3p² latent channels with an orthonormal matrix: colour-opponent axes (luma, two chroma) ⊗ a p×p Hadamard
// basis (for p = 2 one level of the Haar wavelet). Channel k = band·3 + colour, so channel 0 is the patch's mean luma.
// The decoder applies the transpose (the inverse) and repeats each scene pixel over its cell. No weights are learnt.
//
// Why patches: the diffusion model's cost grows with the latent's area and its self-attention with the area squared;
// a 2×2 patch (as DiT's "patchify", Peebles & Xie 2023, §3.1) lets a 16×16 UNet model 32×32 scenes with nothing lost,
// ~4× cheaper per example than a 32×32 one, which buys the examples a from-scratch model needs to learn shape.
//
// The engine's resizes are not exact inverses of averaging: lanczos3 upsampling then averaging blurs and shifts by
// a fraction of a pixel, and lanczos3 downsampling of the cells blurs too (≈ 36 dB PSNR round trip on the data set).
// The encoder therefore carries a 5×5 correction filter at scene resolution, the least-squares inverse of the
// upsampling's measured impulse response (measureResampling), applied with edge padding: 42 dB round trip (min 37).
// The decoder has none: the inverse of the downsampling blur overshoots, and the engine clamps the overshoot next to
// white and black backgrounds before it downsamples, which cost more than the blur (34 dB).
import { floatAttr, intAttr, intsAttr, stringAttr, type Model } from '../graph/ir.ts';
import { fromNumbers } from '../graph/tensor.ts';
import { toModelInput } from '../images/model-input.ts';
import { GraphBuilder } from '../graph/graph-builder.ts';

/** Canvas pixels per latent pixel: the engine sizes its canvas as latent × 8 (SD's VAE factor, package-loader.ts). */
export const VAE_FACTOR = 8;

/** Colour axes, rows orthonormal: luma, red–blue, green–magenta (the shape lives mostly in the first). */
const COLOUR: readonly (readonly [number, number, number])[] = [
  [1 / Math.sqrt(3), 1 / Math.sqrt(3), 1 / Math.sqrt(3)],
  [1 / Math.sqrt(2), 0, -1 / Math.sqrt(2)],
  [1 / Math.sqrt(6), -2 / Math.sqrt(6), 1 / Math.sqrt(6)],
];

/** The sizes that fix the VAE: the data set's scenes and the UNet's latent (a divisor of the scene). */
export interface PixelVaeGeometry {
  readonly sceneSize: number;
  readonly latentSize: number;
}

/** Scene pixels per latent pixel along each axis. */
export function patchSize(g: PixelVaeGeometry): number {
  const p = g.sceneSize / g.latentSize;
  if (!Number.isInteger(p) || (p & (p - 1)) !== 0)
    throw new RangeError(`scene ${g.sceneSize} over latent ${g.latentSize}: the patch must be a power of two`);
  return p;
}

/** Latent channels: the 3p² values of a patch. */
export const pixelVaeChannels = (g: PixelVaeGeometry): number => 3 * patchSize(g) ** 2;

/** Canvas pixels per scene pixel. */
const cellSize = (g: PixelVaeGeometry): number => (g.latentSize * VAE_FACTOR) / g.sceneSize;

/** Sylvester's Hadamard matrix of order n (a power of two), scaled to be orthonormal. */
function hadamard(n: number): number[][] {
  let h = [[1]];
  while (h.length < n) h = [...h.map((r) => [...r, ...r]), ...h.map((r) => [...r, ...r.map((v) => -v)])];
  return h.map((r) => r.map((v) => v / Math.sqrt(n)));
}

/**
 * The orthonormal patch basis B[k][c·p² + y·p + x] (k = band·3 + colour): latent channel k of a patch is
 * Σ B[k][·]·(its pixels' colours), and since B is orthonormal, pixel = Σ_k B[k][·]·latent_k.
 */
export function patchBasis(p: number): number[][] {
  const bands = hadamard(p * p);
  const rows: number[][] = [];
  for (let band = 0; band < p * p; band++)
    for (let colour = 0; colour < 3; colour++) {
      const row = new Array<number>(3 * p * p).fill(0);
      for (let c = 0; c < 3; c++)
        for (let q = 0; q < p * p; q++) row[c * p * p + q] = COLOUR[colour]![c]! * bands[band]![q]!;
      rows.push(row);
    }
  return rows;
}

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

export interface PixelVaeOptions extends PixelVaeGeometry {
  /** The encoder's correction filter (offsets −2..2) per axis; identity when absent. */
  readonly filter?: ResamplingKernels;
}

const IDENTITY = [0, 0, 1, 0, 0];
const REACH = 3;

/** Impulse response of the engine's image path: one scene pixel through toModelInput and averaging over its cell. */
export async function measureResampling(g: PixelVaeGeometry): Promise<ResamplingKernels> {
  const size = g.sceneSize;
  const cell = cellSize(g);
  const canvas = size * cell;
  const c0 = size >> 1;
  const base = 128;
  const bump = 100;
  const scene = new Uint8Array(size * size * 4).fill(base);
  for (let p = 0; p < size * size; p++) scene[p * 4 + 3] = 255;
  scene[(c0 * size + c0) * 4] = base + bump;
  const input = await toModelInput({ width: size, height: size, rgba: scene }, { width: canvas, height: canvas });
  const level = base / 127.5 - 1;
  const at = (y: number, x: number) => {
    let s = 0;
    for (let dy = 0; dy < cell; dy++)
      for (let dx = 0; dx < cell; dx++) s += input.pixels[(y * cell + dy) * canvas + x * cell + dx]!;
    return ((s / cell ** 2 - level) * 127.5) / bump;
  };
  const offsets = Array.from({ length: 2 * REACH + 1 }, (_, i) => i - REACH);
  // The response is separable: its row and column sums are the two 1-D kernels.
  return {
    x: offsets.map((o) => offsets.reduce((s, p) => s + at(c0 + p, c0 + o), 0)),
    y: offsets.map((o) => offsets.reduce((s, p) => s + at(c0 + o, c0 + p), 0)),
  };
}

/** Taps h (offsets −2..2) minimising ‖h ∗ k − δ‖² + RIDGE·‖h‖² for a kernel k with offsets −3..3. */
export function inverseFilter(k: readonly number[]): number[] {
  const rows = k.length + TAPS - 1;
  const centre = (rows - 1) / 2;
  const a = (j: number, i: number) => k[j - i] ?? 0;
  const ata = Array.from({ length: TAPS }, (_, i) =>
    Array.from(
      { length: TAPS },
      (_, l) =>
        Array.from({ length: rows }, (_, j) => a(j, i) * a(j, l)).reduce((s, v) => s + v, 0) + (i === l ? RIDGE : 0),
    ),
  );
  const atb = Array.from({ length: TAPS }, (_, i) => a(centre, i));
  // Gaussian elimination with partial pivoting on the 5×5 normal equations.
  for (let col = 0; col < TAPS; col++) {
    const pivot = ata
      .slice(col)
      .reduce((best, row, r) => (Math.abs(row[col]!) > Math.abs(ata[best]![col]!) ? r + col : best), col);
    [ata[col], ata[pivot]] = [ata[pivot]!, ata[col]!];
    [atb[col], atb[pivot]] = [atb[pivot]!, atb[col]!];
    for (let r = col + 1; r < TAPS; r++) {
      const f = ata[r]![col]! / ata[col]![col]!;
      for (let c = col; c < TAPS; c++) ata[r]![c]! -= f * ata[col]![c]!;
      atb[r]! -= f * atb[col]!;
    }
  }
  const h = new Array<number>(TAPS).fill(0);
  for (let r = TAPS - 1; r >= 0; r--)
    h[r] = (atb[r]! - ata[r]!.slice(r + 1).reduce((s, v, i) => s + v * h[r + 1 + i]!, 0)) / ata[r]![r]!;
  return h;
}

/** The encoder's correction filter for the engine's resampling at this latent size. */
export async function correctionFilter(g: PixelVaeGeometry): Promise<ResamplingKernels> {
  const k = await measureResampling(g);
  return { x: inverseFilter(k.x), y: inverseFilter(k.y) };
}

/**
 * A 5×5 correction filter as Conv weights: ONNX Conv is a cross-correlation, out[p] = Σ_o W[o+2]·in[p+o], while
 * the filter is a convolution, out[p] = Σ_o h[o]·in[p−o]; hence the reversal.
 */
const tap = (h: readonly number[], j: number) => h[TAPS - 1 - j]!;

/** The raw latent B·x of an opaque RGBA8 scene, [3p², L, L] (what the encoder computes from the engine's canvas). */
export function encodeScene(rgba: Uint8Array, g: PixelVaeGeometry): Float32Array {
  const p = patchSize(g);
  const L = g.latentSize;
  const basis = patchBasis(p);
  const channels = basis.length;
  const out = new Float32Array(channels * L * L);
  const patch = new Float32Array(channels);
  for (let y = 0; y < L; y++)
    for (let x = 0; x < L; x++) {
      for (let c = 0; c < 3; c++)
        for (let dy = 0; dy < p; dy++)
          for (let dx = 0; dx < p; dx++)
            patch[c * p * p + dy * p + dx] = rgba[((y * p + dy) * g.sceneSize + x * p + dx) * 4 + c]! / 127.5 - 1;
      for (let k = 0; k < channels; k++) {
        let v = 0;
        for (let i = 0; i < channels; i++) v += basis[k]![i]! * patch[i]!;
        out[(k * L + y) * L + x] = v;
      }
    }
  return out;
}

function edgePad(b: GraphBuilder, x: string, pad: number): string {
  return b.e.op1('Pad', [x, b.e.ints([0, 0, pad, pad, 0, 0, pad, pad])], { mode: stringAttr('edge') });
}

function conv(
  b: GraphBuilder,
  name: string,
  x: string,
  weights: number[],
  dims: number[],
  kernel: number,
  stride: number,
): string {
  const w = b.weight(`${name}.weight`, fromNumbers('float32', dims, weights));
  const bias = b.weight(`${name}.bias`, fromNumbers('float32', [dims[0]!], new Array<number>(dims[0]!).fill(0)));
  const attrs = {
    kernel_shape: intsAttr([kernel, kernel]),
    strides: intsAttr([stride, stride]),
    pads: intsAttr([0, 0, 0, 0]),
    group: intAttr(1),
    dilations: intsAttr([1, 1]),
  };
  return b.e.op('Conv', [x, w, bias], attrs, { name: `/${name.replaceAll('.', '/')}/Conv` })[0]!;
}

/** The patch basis as [3p², 3, p, p] weights: a stride-p Conv with them encodes, a ConvTranspose decodes. */
function patchWeights(p: number): number[] {
  return patchBasis(p).flat();
}

/**
 * `sample` [1,3,8L,8L] in [-1,1] → `latent_parameters` [1,2C,L,L] = B·x̄ ‖ LOGVAR (optimum's encoder output form):
 * a strided conv averages each cell and applies the correction filter (per colour), a second applies the patch basis.
 */
export function buildPixelVaeEncoder(o: PixelVaeOptions): Model {
  const b = new GraphBuilder({ opset: 14, name: 'vae_encoder' });
  const f = o.filter ?? { x: IDENTITY, y: IDENTITY };
  const cell = cellSize(o);
  const p = patchSize(o);
  const C = pixelVaeChannels(o);
  const canvas = o.latentSize * VAE_FACTOR;
  const x = b.input('sample', 'float32', [1, 3, canvas, canvas]);
  const k = TAPS * cell;
  const weights: number[] = [];
  for (let oc = 0; oc < 3; oc++)
    for (let ic = 0; ic < 3; ic++)
      for (let ky = 0; ky < k; ky++)
        for (let kx = 0; kx < k; kx++)
          weights.push(oc === ic ? (tap(f.y, Math.floor(ky / cell)) * tap(f.x, Math.floor(kx / cell))) / cell ** 2 : 0);
  const scene = conv(b, 'encoder.conv_in', edgePad(b, x, ((TAPS - 1) / 2) * cell), weights, [3, 3, k, k], k, cell);
  const mean = conv(b, 'encoder.conv_out', scene, patchWeights(p), [C, 3, p, p], p, p);
  const logvar = b.e.constant(
    fromNumbers('float32', [1, C, o.latentSize, o.latentSize], new Array<number>(C * o.latentSize ** 2).fill(LOGVAR)),
    'logvar',
  );
  b.output(b.e.op1('Concat', [mean, logvar], { axis: intAttr(1) }), 'latent_parameters');
  return b.model;
}

/** `latent_sample` [1,C,L,L] → `sample` [1,3,8L,8L]: Bᵀ as a stride-p ConvTranspose, then each scene pixel repeated over its cell. */
export function buildPixelVaeDecoder(o: PixelVaeGeometry): Model {
  const b = new GraphBuilder({ opset: 14, name: 'vae_decoder' });
  const p = patchSize(o);
  const C = pixelVaeChannels(o);
  const cell = cellSize(o);
  const z = b.input('latent_sample', 'float32', [1, C, o.latentSize, o.latentSize]);
  const w = b.weight('decoder.conv_out.weight', fromNumbers('float32', [C, 3, p, p], patchWeights(p)));
  const attrs = {
    kernel_shape: intsAttr([p, p]),
    strides: intsAttr([p, p]),
    pads: intsAttr([0, 0, 0, 0]),
    group: intAttr(1),
    dilations: intsAttr([1, 1]),
  };
  const rgb = b.e.op('ConvTranspose', [z, w], attrs, { name: '/decoder/conv_out/ConvTranspose' })[0]!;
  const scales = b.e.constant(fromNumbers('float32', [4], [1, 1, cell, cell]));
  const up = {
    mode: stringAttr('nearest'),
    coordinate_transformation_mode: stringAttr('asymmetric'),
    nearest_mode: stringAttr('floor'),
    cubic_coeff_a: floatAttr(-0.75),
  };
  b.output(b.e.op1('Resize', [rgb, '', scales], up), 'sample');
  return b.model;
}
