// Writes a generated UNet as the `unet/` folder of a diffusers ONNX pipeline (docs/onnx.md §1.2): model.onnx, plus
// weights.pb when weights are external (the diffusers script's layout). External weights are streamed to disk
// one tensor at a time while the graph is built, so even SD 1.5 in fp32 (3.4 GB) never sits in JS memory.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_WEIGHTS_FILE, ExternalDataWriter, MODEL_FILE } from '../onnx/external-data-writer.ts';
import { writeModel } from '../onnx/model-file.ts';
import { buildUNet, type UNetBuild } from './unet.ts';
import type { UNetConfig } from './unet-config.ts';
import { countUNetParameters, unetWeightBytes } from './unet-parameters.ts';

/** Inline weights are held in memory and serialised in one protobuf (hard limit 2 GiB); stay far below. */
export const MAX_INLINE_WEIGHT_BYTES = 256 * 1024 * 1024;

export interface UNetPackageOptions {
  /** Weights in `weights.pb` next to model.onnx instead of inside it. */
  readonly external: boolean;
}

export interface UNetPackage extends UNetBuild {
  readonly modelPath: string;
  /** Absent when the weights are inline. */
  readonly weightsPath?: string;
  readonly parameterCount: number;
}

export async function writeUNetPackage(
  config: UNetConfig,
  dir: string,
  options: UNetPackageOptions,
): Promise<UNetPackage> {
  const bytes = unetWeightBytes(config);
  if (!options.external && bytes > MAX_INLINE_WEIGHT_BYTES) {
    throw new RangeError(
      `this UNet has ${(bytes / 2 ** 20).toFixed(0)} MiB of weights, over the ${MAX_INLINE_WEIGHT_BYTES / 2 ** 20} MiB inline limit; ` +
        'write it with { external: true }',
    );
  }
  const baseDir = resolve(dir);
  await mkdir(baseDir, { recursive: true });
  const writer = options.external ? new ExternalDataWriter(baseDir, DEFAULT_WEIGHTS_FILE) : undefined;
  let build: UNetBuild;
  try {
    build = buildUNet(config, { baseDir, ...(writer ? { sink: writer } : {}) });
  } finally {
    writer?.close();
  }
  const modelPath = join(baseDir, MODEL_FILE);
  await writeModel(build.model, modelPath);
  return {
    ...build,
    modelPath,
    ...(writer ? { weightsPath: writer.path } : {}),
    parameterCount: countUNetParameters(config),
  };
}
