// UNet packages on disk: model.onnx alone with inline weights, or model.onnx + weights.pb with every parameter
// streamed out as it is generated; both read back and run like the in-memory build.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dtypes } from '../graph/dtype.ts';
import type { Model } from '../graph/ir.ts';
import { numel } from '../graph/tensor.ts';
import { readModel } from '../onnx/model-file.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { buildUNet, UNET_OUTPUT } from './unet.ts';
import { sd15UNetConfig, tinyUNetConfig } from './unet-config.ts';
import { randomUNetFeeds } from './unet-feeds.ts';
import { writeUNetPackage } from './unet-package.ts';

const config = tinyUNetConfig({ dynamicShapes: true });
let root: string;
let expected: Float32Array;

async function forward(model: Model): Promise<Float32Array> {
  const session = await OrtSession.create(model);
  try {
    return (await session.run(randomUNetFeeds(config)))[UNET_OUTPUT]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagic-unet-package-'));
  expected = await forward(buildUNet(config).model);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('#writeUNetPackage', () => {
  it('writes model.onnx alone when weights are inline', async () => {
    const dir = join(root, 'inline');
    const pkg = await writeUNetPackage(config, dir, { external: false });
    expect(await readdir(dir)).toEqual(['model.onnx']);
    expect(pkg.weightsPath).toBeUndefined();
    const model = await readModel(pkg.modelPath);
    for (const name of pkg.parameters.keys()) expect(model.graph.initializers.get(name)!.data).toBeDefined();
    expect(await forward(model)).toEqual(expected);
  });

  it('streams every parameter to weights.pb and keeps only references in model.onnx', async () => {
    const dir = join(root, 'external');
    const pkg = await writeUNetPackage(config, dir, { external: true });
    expect((await readdir(dir)).sort()).toEqual(['model.onnx', 'weights.pb']);
    const model = await readModel(pkg.modelPath);
    let bytes = 0;
    for (const name of pkg.parameters.keys()) {
      const init = model.graph.initializers.get(name)!;
      expect(init.data, name).toBeUndefined();
      expect(init.external?.location).toBe('weights.pb');
      expect(init.external!.length).toBe(numel(init.dims) * dtypes[init.dtype].bytes);
      if (init.external!.length >= 4096) expect(init.external!.offset % 4096).toBe(0);
      bytes += init.external!.length;
    }
    expect(bytes).toBe(pkg.parameterCount * 4);
    expect((await stat(pkg.weightsPath!)).size).toBeGreaterThanOrEqual(bytes);
    // What stays inline are the export's small constants (shapes, scalars, InstanceNorm's unit scale).
    for (const init of model.graph.initializers.values()) {
      if (init.data) expect(init.data.data.byteLength, init.name).toBeLessThan(1024);
    }
    expect(await forward(model)).toEqual(expected);
  });

  it('refuses to hold a UNet as large as SD 1.5 in memory, before writing anything', async () => {
    const dir = join(root, 'sd15-inline');
    await expect(writeUNetPackage(sd15UNetConfig(), dir, { external: false })).rejects.toThrow(/external: true/);
    await expect(stat(dir)).rejects.toThrow();
  });
});
