// Companion outputs → grid variants: every variant carries PNG bytes, which the panel shows and Figma's createImage
// takes; raw RGBA8 outputs (what a Photoshop panel asks for) are encoded to PNG here and keep their pixels for the
// Photoshop host, which writes them as they are.
import type { JobOutputImage } from '../daemon/result-collector.ts';
import { encodePngAsync } from '../image/png-encode.ts';
import { variantKey, type Variant } from '../state/panel-state.ts';

/** `quick`: the output of a quick edit at that strength, which becomes its grid row (the companion reports η = 1). */
export async function toVariantAsync(
  runId: number,
  output: JobOutputImage,
  quick?: { strength: number },
): Promise<Variant> {
  const { seed, width, height } = output;
  const eta = quick?.strength ?? output.eta;
  const key = variantKey(runId, eta, seed);
  const kind = quick ? { quick: true } : {};
  if (output.format === 'png') return { key, eta, seed, ...kind, png: output.bytes, width, height };
  if (output.format === 'rgba8') {
    return {
      key,
      eta,
      seed,
      ...kind,
      png: await encodePngAsync(output.bytes, width, height),
      rgba: output.bytes,
      width,
      height,
    };
  }
  throw new Error(`the companion sent a ${output.format} image; this panel inserts PNG or raw RGBA only`);
}

export const toVariantsAsync = (
  runId: number,
  outputs: readonly JobOutputImage[],
  quick?: { strength: number },
): Promise<Variant[]> => Promise.all(outputs.map((output) => toVariantAsync(runId, output, quick)));
