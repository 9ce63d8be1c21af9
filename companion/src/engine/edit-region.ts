// Where an edit may change the layer (issue: quick edits and masks). Every mode samples the same way with a region:
// at each step the latent outside it is replaced by the input's own latent noised to that step's level (DiffEdit,
// Couairon et al. 2022, §3.2 "encoded input": z ← m·z + (1 − m)·z_t(input)), and the decoded pixels outside it are
// the input's own, with the edit blended in over a feathered edge that lies inside the region, so that every pixel
// outside it comes back exactly as it was. The region is a binary mask at the layer's size; the latent sees the
// cells any of whose pixels may change (a dilation: an edit never lacks room at the region's edge).
import { fail } from '../errors.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import { encodePng, type ContentRect, type Size } from '../images/model-input.ts';

/** A binary mask at the layer's size: 1 where the edit may change the layer, 0 where it must keep it. */
export interface EditMask extends Size {
  readonly change: Uint8Array;
}

/** A mask and the width of its feathered edge, in layer pixels. */
export interface EditRegion {
  readonly mask: EditMask;
  readonly featherPx: number;
}

/** The edge's width when none is asked for: 1% of the layer's longer side, at least one pixel. */
export const defaultFeatherPx = (layer: Size): number =>
  Math.max(1, Math.round(0.01 * Math.max(layer.width, layer.height)));

export const MAX_FEATHER_PX = 256;

/**
 * A mask image as the contract reads it: white (or opaque) may change, black (or transparent) is kept; a pixel may
 * change when luma × alpha is at least half. INVALID_SPEC when its size is not the layer's or nothing may change.
 */
export function maskFromImage(image: RgbaImage, layer: Size, what = 'the mask'): EditMask {
  if (image.width !== layer.width || image.height !== layer.height)
    fail(
      'INVALID_SPEC',
      `${what} is ${image.width}×${image.height} px; it must be the layer's size, ${layer.width}×${layer.height} px`,
    );
  const change = new Uint8Array(image.width * image.height);
  for (let i = 0; i < change.length; i++) {
    const [r, g, b, a] = [0, 1, 2, 3].map((c) => image.rgba[4 * i + c]!);
    const luma = 0.299 * r! + 0.587 * g! + 0.114 * b!;
    change[i] = (luma * a!) / 255 >= 127.5 ? 1 : 0;
  }
  return checkedMask({ width: image.width, height: image.height, change }, what);
}

/** INVALID_SPEC for a mask that lets nothing change: the edit would return the layer unchanged. */
export function checkedMask(mask: EditMask, what = 'the mask'): EditMask {
  if (!mask.change.some((v) => v === 1))
    fail(
      'INVALID_SPEC',
      `${what} is empty (all black or transparent), so nothing could change; paint white where the edit may change the layer`,
    );
  return mask;
}

export function validateFeather(px: number): number {
  if (!(Number.isInteger(px) && px >= 0 && px <= MAX_FEATHER_PX))
    fail('INVALID_SPEC', `feather: must be a whole number of pixels in 0..${MAX_FEATHER_PX}, got ${px}`);
  return px;
}

/**
 * The mask on the latent grid ([h·w], 1 = may change): a cell may change when any layer pixel that lands in it may.
 * `placement` is where the layer sits on the model's canvas; the latent grid divides the canvas evenly.
 */
export function latentMask(mask: EditMask, placement: ContentRect, latent: Size): Float32Array {
  const out = new Float32Array(latent.width * latent.height);
  const fx = placement.canvas.width / latent.width;
  const fy = placement.canvas.height / latent.height;
  const sx = placement.width / mask.width;
  const sy = placement.height / mask.height;
  const cell = (v: number, f: number, n: number) => Math.min(n - 1, Math.max(0, Math.floor(v / f)));
  for (let y = 0; y < mask.height; y++)
    for (let x = 0; x < mask.width; x++) {
      if (mask.change[y * mask.width + x] !== 1) continue;
      const [x0, x1] = [placement.left + x * sx, placement.left + (x + 1) * sx - 1e-6];
      const [y0, y1] = [placement.top + y * sy, placement.top + (y + 1) * sy - 1e-6];
      for (let j = cell(y0, fy, latent.height); j <= cell(y1, fy, latent.height); j++)
        for (let i = cell(x0, fx, latent.width); i <= cell(x1, fx, latent.width); i++) out[j * latent.width + i] = 1;
    }
  return out;
}

/** A latent-grid mask ([h·w], ≥ 0.5 = may change) at the layer's size: each pixel takes the cell its centre lands in. */
export function layerMask(latent: Float32Array, grid: Size, placement: ContentRect, layer: Size): EditMask {
  const change = new Uint8Array(layer.width * layer.height);
  const fx = placement.canvas.width / grid.width;
  const fy = placement.canvas.height / grid.height;
  for (let y = 0; y < layer.height; y++) {
    const cy = Math.min(
      grid.height - 1,
      Math.floor((placement.top + ((y + 0.5) * placement.height) / layer.height) / fy),
    );
    for (let x = 0; x < layer.width; x++) {
      const cx = Math.min(
        grid.width - 1,
        Math.floor((placement.left + ((x + 0.5) * placement.width) / layer.width) / fx),
      );
      change[y * layer.width + x] = latent[cy * grid.width + cx]! >= 0.5 ? 1 : 0;
    }
  }
  return { width: layer.width, height: layer.height, change };
}

/** The mask grown (px > 0) or shrunk (px < 0) by |px| pixels: a (2|px| + 1)² square dilation or erosion. */
export function grownMask(mask: EditMask, px: number): EditMask {
  if (px === 0) return mask;
  const { width, height, change } = mask;
  const r = Math.abs(px);
  const into = px > 0 ? 1 : 0;
  const out = change.map((v, i) => {
    const x = i % width;
    const y = (i - x) / width;
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) {
        const [nx, ny] = [x + dx, y + dy];
        // Past the layer's edge counts as kept for a growth and as changeable for a shrink: neither moves the edge.
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
        if (change[ny * width + nx] === into) return into;
      }
    return v;
  });
  return { width, height, change: out };
}

/**
 * How much of the edit each pixel takes: 0 outside the region; inside, the distance d (8-neighbour chamfer, in pixels)
 * to the nearest kept pixel, over featherPx + 1, up to 1. Feather 0 is a hard edge.
 */
export function featherWeights(mask: EditMask, featherPx: number): Float32Array {
  const { width, height, change } = mask;
  const d = Float32Array.from(change, (v) => (v === 1 ? Infinity : 0));
  const pass = (ys: number[], xs: number[], dy: number, dx: number) => {
    for (const y of ys)
      for (const x of xs) {
        const i = y * width + x;
        if (d[i] === 0) continue;
        let best = d[i]!;
        for (const [oy, ox, w] of [
          [dy, 0, 1],
          [0, dx, 1],
          [dy, dx, Math.SQRT2],
          [dy, -dx, Math.SQRT2],
        ] as const) {
          const ny = y + oy;
          const nx = x + ox;
          if (ny >= 0 && ny < height && nx >= 0 && nx < width) best = Math.min(best, d[ny * width + nx]! + w);
        }
        d[i] = best;
      }
  };
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  pass(range(height), range(width), -1, -1);
  pass(range(height).reverse(), range(width).reverse(), 1, 1);
  return Float32Array.from(d, (v) => (v === 0 ? 0 : Math.min(1, v / (featherPx + 1))));
}

/** The edit blended into the input: RGB by `weights`, alpha the input's. */
export function composite(edited: Uint8Array, input: Uint8Array, weights: Float32Array): Uint8Array {
  const out = new Uint8Array(input.length);
  for (let p = 0; p < weights.length; p++) {
    const w = weights[p]!;
    for (let c = 0; c < 3; c++) {
      const i = 4 * p + c;
      out[i] = w === 0 ? input[i]! : Math.round(w * edited[i]! + (1 - w) * input[i]!);
    }
    out[4 * p + 3] = input[4 * p + 3]!;
  }
  return out;
}

/** The mask as a PNG (maskRgba): the CLI's mask_file and the job result's mask frame. */
export const maskPngAsync = (mask: EditMask): Promise<Uint8Array> => encodePng(maskRgba(mask), mask.width, mask.height);

/** The mask as an opaque RGBA image: white may change, black is kept (what `--mask` reads back). */
export function maskRgba(mask: EditMask): Uint8Array {
  const rgba = new Uint8Array(4 * mask.change.length);
  mask.change.forEach((v, i) => {
    rgba.fill(v === 1 ? 255 : 0, 4 * i, 4 * i + 3);
    rgba[4 * i + 3] = 255;
  });
  return rgba;
}
