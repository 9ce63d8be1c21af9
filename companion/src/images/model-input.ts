// RGBA pixels ↔ the image tensor a Stable Diffusion VAE takes and gives back: NCHW float32 [1, 3, H, W] in [-1, 1]
// at the model's working resolution.
//
// Aspect ratio: letterbox, not stretch. The image is scaled to fit inside the working canvas with its proportions
// kept and centred; the bars are filled with the background. A stretched image would show the model squashed
// shapes (a 300×120 banner would become 2.5× narrower per unit height), and Imagic's edit is conditioned on what the
// model sees: a "sitting dog" edit of a squashed dog comes back distorted once unstretched. The cost is resolution
// spent on the bars; callers that care pick a working size near the image's aspect ratio (the placement is exact
// for any canvas). The bars are cropped off again in `fromModelOutput`.
//
// Alpha: the model sees the image composited over a neutral background (it has no alpha channel), and the output
// gets the input's alpha back unchanged, pixel for pixel. Its colour is un-composited first (the background taken
// back out, C = (O − B·(1 − α)) / α), so a half-transparent pixel the model left alone keeps its colour instead of
// being greyed twice when the result is composited again.
import sharp from 'sharp';
import { fail } from '../errors.ts';
import type { RgbaImage } from './decode-image.ts';

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Rgb {
  readonly r: number;
  readonly g: number;
  readonly b: number;
}

/** Mid grey: 128 maps to ≈ 0 in the model's [-1, 1] range, the colour that biases the model least. */
export const NEUTRAL_GRAY: Rgb = { r: 128, g: 128, b: 128 };

/** The content rectangle inside the model's canvas, in canvas pixels. */
export interface ContentRect {
  /** The model's working resolution, the size of the tensor. */
  readonly canvas: Size;
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** How `toModelInput` placed an image; `fromModelOutput` undoes it. */
export interface Placement extends ContentRect {
  /** The colour the image was composited over and the bars were filled with. */
  readonly background: Rgb;
}

export interface ModelInput {
  /** NCHW, RGB planes, values in [-1, 1]. */
  readonly pixels: Float32Array;
  readonly dims: readonly [1, 3, number, number];
  readonly placement: Placement;
}

const RAW_RGBA = 4;
const RAW_RGB = 3;

/** The largest centred rectangle with `source`'s aspect ratio that fits `canvas` (at least 1×1). */
export function letterbox(source: Size, canvas: Size): ContentRect {
  assertSize('source', source);
  assertSize('canvas', canvas);
  const scale = Math.min(canvas.width / source.width, canvas.height / source.height);
  const width = Math.min(canvas.width, Math.max(1, Math.round(source.width * scale)));
  const height = Math.min(canvas.height, Math.max(1, Math.round(source.height * scale)));
  return {
    canvas,
    width,
    height,
    left: Math.floor((canvas.width - width) / 2),
    top: Math.floor((canvas.height - height) / 2),
  };
}

/** Composites `image` over `background`, letterboxes it into `size` and returns it as the model's input tensor. */
export async function toModelInput(image: RgbaImage, size: Size, background: Rgb = NEUTRAL_GRAY): Promise<ModelInput> {
  assertRgba('image', image);
  assertBackground(background);
  const placement: Placement = { ...letterbox(image, size), background };
  const { data, info } = await sharp(image.rgba, {
    raw: { width: image.width, height: image.height, channels: RAW_RGBA },
  })
    .flatten({ background })
    .resize(placement.width, placement.height, { fit: 'fill', kernel: 'lanczos3' })
    .extend({
      left: placement.left,
      top: placement.top,
      right: size.width - placement.width - placement.left,
      bottom: size.height - placement.height - placement.top,
      background,
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== size.width || info.height !== size.height || info.channels !== RAW_RGB) {
    return fail(
      'INTERNAL',
      `toModelInput: sharp returned ${info.width}×${info.height}×${info.channels}, expected ${size.width}×${size.height}×3`,
    );
  }
  const plane = size.width * size.height;
  const pixels = new Float32Array(RAW_RGB * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < RAW_RGB; c++) pixels[c * plane + i] = data[i * RAW_RGB + c]! / 127.5 - 1;
  }
  return { pixels, dims: [1, 3, size.height, size.width], placement };
}

/**
 * Undoes `toModelInput` on the model's output: crops the letterbox bars, resizes back to `original`'s size,
 * takes the background back out of partly transparent pixels and restores `original`'s alpha exactly.
 * Values outside [-1, 1] are clamped.
 */
export async function fromModelOutput(
  chw: Float32Array,
  placement: Placement,
  original: RgbaImage,
): Promise<Uint8Array> {
  assertRgba('original', original);
  const { canvas } = placement;
  const plane = canvas.width * canvas.height;
  if (chw.length !== RAW_RGB * plane) {
    return fail(
      'DIMS_MISMATCH',
      `model output has ${chw.length} values; expected 3×${canvas.height}×${canvas.width} = ${RAW_RGB * plane}`,
    );
  }
  // Uint8ClampedArray rounds and clamps to [0, 255] (NaN becomes 0): the inverse of x / 127.5 − 1.
  const rgb = new Uint8ClampedArray(RAW_RGB * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < RAW_RGB; c++) rgb[i * RAW_RGB + c] = (chw[c * plane + i]! + 1) * 127.5;
  }
  const { data, info } = await sharp(rgb, { raw: { width: canvas.width, height: canvas.height, channels: RAW_RGB } })
    .extract({ left: placement.left, top: placement.top, width: placement.width, height: placement.height })
    .resize(original.width, original.height, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== original.width || info.height !== original.height || info.channels !== RAW_RGB) {
    return fail('INTERNAL', `fromModelOutput: sharp returned ${info.width}×${info.height}×${info.channels}`);
  }
  return restoreAlpha(data, original.rgba, placement.background);
}

/** Straight RGBA from an RGB image composited over `background` and the alpha it was composited with. */
function restoreAlpha(composited: Uint8Array, straight: Uint8Array, background: Rgb): Uint8Array {
  const bg = [background.r, background.g, background.b] as const;
  const rgba = new Uint8ClampedArray(straight.length);
  for (let p = 0, q = 0; q < straight.length; p += RAW_RGB, q += RAW_RGBA) {
    const alpha = straight[q + 3]!;
    rgba[q + 3] = alpha;
    // α = 0: the colour is invisible; keep the model's so that a consumer ignoring alpha still sees its output.
    if (alpha === 255 || alpha === 0) {
      rgba[q] = composited[p]!;
      rgba[q + 1] = composited[p + 1]!;
      rgba[q + 2] = composited[p + 2]!;
      continue;
    }
    for (let c = 0; c < RAW_RGB; c++) rgba[q + c] = (composited[p + c]! * 255 - bg[c]! * (255 - alpha)) / alpha;
  }
  return new Uint8Array(rgba.buffer);
}

/** Encodes straight 8-bit RGBA as a PNG (alpha kept). */
export async function encodePng(rgba: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  assertRgba('image', { rgba, width, height });
  const png = await sharp(rgba, { raw: { width, height, channels: RAW_RGBA } })
    .png()
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

function assertSize(name: string, size: Size): void {
  if (!(Number.isSafeInteger(size.width) && Number.isSafeInteger(size.height) && size.width >= 1 && size.height >= 1)) {
    throw new RangeError(`${name} size must be positive integers, got ${size.width}×${size.height}`);
  }
}

function assertBackground({ r, g, b }: Rgb): void {
  if (![r, g, b].every((v) => Number.isInteger(v) && v >= 0 && v <= 255))
    throw new RangeError(`background must be 0–255 integers, got ${r},${g},${b}`);
}

function assertRgba(name: string, image: RgbaImage): void {
  assertSize(name, image);
  if (image.rgba.length !== image.width * image.height * RAW_RGBA) {
    throw new RangeError(
      `${name} has ${image.rgba.length} bytes; ${image.width}×${image.height} RGBA needs ${image.width * image.height * RAW_RGBA}`,
    );
  }
}
