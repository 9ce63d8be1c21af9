// The frozen encoders and the decoder around the three stages: the image latent z0 = E(x)·scale (docs/method.md §1
// notation; the posterior mean, see posterior-mean.ts), text embeddings e = TextEncoder(text), and the decoder
// D(z/scale), with the scale read from the package's VAE config.
import { numel } from '../graph/tensor.ts';
import { fail } from '../errors.ts';
import type { ImagicPackage } from './package-loader.ts';
import { floatFeed, intFeed, output } from './tensors.ts';

/** z0 = mean of E(x) · scaling factor; `pixels` is NCHW [1, 3, H, W] in [-1, 1] at the package's working size. */
export async function encodeImageAsync(pkg: ImagicPackage, pixels: Float32Array): Promise<Float32Array> {
  const { session, variant } = pkg.vaeEncoder;
  const dims = [1, 3, pkg.imageSize.height, pkg.imageSize.width];
  const results = await session.runAsync({ [variant.input.name]: floatFeed(variant.input, pixels, dims) }, [
    variant.output.name,
  ]);
  const latent = output(results, variant.output.name);
  const [, c, h, w] = pkg.latentDims;
  const channels = latent.length / (h * w);
  const expected = c * variant.rule.planesPerChannel;
  if (channels !== expected)
    fail(
      'MODEL_INVALID',
      `the VAE encoder's ${variant.output.name} has ${channels} channels; expected ${expected} for the UNet's ${c} latent channels`,
    );
  // mean‖logvar: the mean is the first C planes (NCHW, batch 1), for both output kinds.
  const z0 = latent.slice(0, numel(pkg.latentDims));
  for (let i = 0; i < z0.length; i++) z0[i] = z0[i]! * pkg.scalingFactor.value;
  return z0;
}

/** The text encoder's last_hidden_state for `text`, fp32 [1, T, d] flattened. */
export async function encodeTextAsync(pkg: ImagicPackage, text: string): Promise<Float32Array> {
  const { session, variant } = pkg.textEncoder;
  const ids = pkg.tokenizer.encode(text, { length: pkg.sequenceLength });
  const results = await session.runAsync(
    { [variant.inputIds.name]: intFeed(variant.inputIds, ids, [1, pkg.sequenceLength]) },
    [variant.output.name],
  );
  return output(results, variant.output.name);
}

/** x = D(z / scaling factor): NCHW [1, 3, H, W], nominally in [-1, 1]. */
export async function decodeLatentAsync(pkg: ImagicPackage, z: Float32Array): Promise<Float32Array> {
  const { session, variant } = pkg.vaeDecoder;
  const scaled = Float32Array.from(z, (v) => v / pkg.scalingFactor.value);
  const results = await session.runAsync(
    { [variant.input.name]: floatFeed(variant.input, scaled, pkg.latentDims) },
    [variant.output.name],
    { transfer: true },
  );
  return output(results, variant.output.name);
}
