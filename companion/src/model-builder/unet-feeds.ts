// Seeded inputs for a generated UNet, typed the way its config declares them (fp16 as Uint16 bits, the
// timestep as int64 [B], float [B] or a float 0-d scalar), for tests, benchmarks and smoke runs.
import { toHalf } from '../graph/half.ts';
import { numel } from '../graph/tensor.ts';
import type { Feeds, HostTensor } from '../runtime/host-tensor.ts';
import { Rng } from '../util/rng.ts';
import { timestepDtype, unetInputShapes, type UNetConfig } from './unet-config.ts';

function floatTensor(dtype: 'float32' | 'float16', dims: readonly number[], values: Float32Array): HostTensor {
  return dtype === 'float32' ? { dtype, dims, data: values } : { dtype, dims, data: Uint16Array.from(values, toHalf) };
}

export interface UNetFeedOptions {
  readonly seed?: number;
  readonly timestep?: number;
  /** Latent size to feed instead of the config's (dynamic-shape models accept any multiple of 2^levels). */
  readonly latentSize?: number;
}

export function randomUNetFeeds(config: UNetConfig, options: UNetFeedOptions = {}): Feeds {
  const rng = new Rng(options.seed ?? 7);
  const shapes = unetInputShapes(config);
  const latent = options.latentSize ?? config.latentSize;
  const sampleDims = [config.batch, config.inChannels, latent, latent];
  const contextDims = shapes['encoder_hidden_states']!;
  const tDims = shapes['timestep']!;
  const t = options.timestep ?? 500;
  const tType = timestepDtype(config);
  const timestep: HostTensor =
    tType === 'int64'
      ? { dtype: 'int64', dims: tDims, data: BigInt64Array.from({ length: numel(tDims) }, () => BigInt(Math.round(t))) }
      : floatTensor(tType, tDims, new Float32Array(numel(tDims)).fill(t));
  return {
    sample: floatTensor(config.dtype, sampleDims, rng.normalArray(numel(sampleDims))),
    timestep,
    encoder_hidden_states: floatTensor(config.dtype, contextDims, rng.normalArray(numel(contextDims))),
  };
}
