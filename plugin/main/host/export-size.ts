// How large a source is exported: native scale (1 document pixel = 1 image pixel), or scaled down so the longer
// side fits the companion's limit. Never scaled up: a source under the minimum is refused with the fix.
import type { Size } from '../../../shared/src/bridge/messages.ts';
import { MAX_IMAGE_SIDE_PX, MIN_IMAGE_SIDE_PX } from '../../../shared/src/protocol/defaults.ts';

export type ExportSize =
  | {
      ok: true;
      /** The expected pixel size of the export. */
      width: number;
      height: number;
      /** Which side was capped to MAX_IMAGE_SIDE_PX; null at native scale. */
      cappedSide: 'width' | 'height' | null;
      /** The native size when capped, for the panel's notice. */
      scaledFrom: Size | null;
    }
  | { ok: false; message: string };

export function exportSizeFor(name: string, width: number, height: number): ExportSize {
  const native = { width: Math.round(width), height: Math.round(height) };
  const longest = Math.max(native.width, native.height);
  if (longest <= MAX_IMAGE_SIDE_PX) {
    if (Math.min(native.width, native.height) < MIN_IMAGE_SIDE_PX) return tooSmall(name, native);
    return { ok: true, ...native, cappedSide: null, scaledFrom: null };
  }
  const scale = MAX_IMAGE_SIDE_PX / longest;
  const scaled = { width: Math.round(native.width * scale), height: Math.round(native.height * scale) };
  if (Math.min(scaled.width, scaled.height) < MIN_IMAGE_SIDE_PX) return tooSmall(name, scaled);
  return { ok: true, ...scaled, cappedSide: native.width >= native.height ? 'width' : 'height', scaledFrom: native };
}

const tooSmall = (name: string, size: Size): ExportSize => ({
  ok: false,
  message:
    `“${name}” would export at ${size.width}×${size.height} px; Imagic needs at least ${MIN_IMAGE_SIDE_PX} px per side ` +
    `(and at most ${MAX_IMAGE_SIDE_PX}). Resize the layer: Imagic never upscales it for you.`,
});
