// Companion outputs → grid variants: every variant carries PNG bytes, which Figma's createImage takes and the
// Photoshop host decodes. Raw RGBA8 outputs are encoded here.
import type { JobOutputImage } from '../daemon/result-collector.ts';
import { encodePngAsync } from '../image/png-encode.ts';
import { variantKey, type Variant } from '../state/panel-state.ts';

export async function toVariantAsync(runId: number, output: JobOutputImage): Promise<Variant> {
  const { eta, seed, width, height } = output;
  let png: Uint8Array;
  if (output.format === 'png') png = output.bytes;
  else if (output.format === 'rgba8') png = await encodePngAsync(output.bytes, width, height);
  else throw new Error(`the companion sent a ${output.format} image; this panel inserts PNG or raw RGBA only`);
  return { key: variantKey(runId, eta, seed), eta, seed, png, width, height };
}

export const toVariantsAsync = (runId: number, outputs: readonly JobOutputImage[]): Promise<Variant[]> =>
  Promise.all(outputs.map((output) => toVariantAsync(runId, output)));
