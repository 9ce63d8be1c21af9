// External data: in-memory models moved out to one weights file (large tensors only), already-external models
// copied chunk-wise into a new folder, and the guards that keep a write from destroying what it reads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../graph/ir.ts';
import { buildUNet, UNET_OUTPUT } from '../model-builder/unet.ts';
import { tinyUNetConfig } from '../model-builder/unet-config.ts';
import { randomUNetFeeds } from '../model-builder/unet-feeds.ts';
import { OrtSession } from '../runtime/ort-session.ts';
import { ExternalDataWriter, writeModelExternal } from './external-data-writer.ts';
import { readModel } from './model-file.ts';

const config = tinyUNetConfig();
let root: string;
let source: Model;
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
  root = await mkdtemp(join(tmpdir(), 'imagic-external-data-'));
  source = buildUNet(config).model;
  expected = await forward(source);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('#writeModelExternal', () => {
  it('moves initializers of at least thresholdBytes to the data file and keeps smaller ones inline', async () => {
    const dir = join(root, 'a');
    await writeModelExternal(source, dir, 'unet.bin', 1024);
    const model = await readModel(join(dir, 'model.onnx'));
    let external = 0;
    for (const [name, init] of model.graph.initializers) {
      const bytes = source.graph.initializers.get(name)!.data!.data.byteLength;
      if (bytes >= 1024) {
        expect(init.data, name).toBeUndefined();
        expect(init.external).toMatchObject({ location: 'unet.bin', length: bytes });
        external++;
      } else expect(init.data, name).toBeDefined();
    }
    expect(external).toBeGreaterThan(50);
    expect(source.graph.initializers.get('conv_in.weight')!.data).toBeDefined();
    expect(await forward(model)).toEqual(expected);
  });

  it('copies the tensors of an already-external model into a new folder; shape arguments stay inline', async () => {
    const dir = join(root, 'b');
    await writeModelExternal(await readModel(join(root, 'a', 'model.onnx')), dir, 'weights.pb', 0);
    const model = await readModel(join(dir, 'model.onnx'));
    const scales = model.graph.nodes.find((n) => n.name === '/up_blocks.0/upsamplers.0/Resize')!.inputs[2]!;
    for (const init of model.graph.initializers.values()) {
      if (init.dtype === 'int64' || init.name === scales) expect(init.data, init.name).toBeDefined();
      else expect(init.external?.location, init.name).toBe('weights.pb');
    }
    expect(await forward(model)).toEqual(expected);
  });

  it('refuses to write over the weights file it is copying from', async () => {
    const dir = join(root, 'a');
    await expect(writeModelExternal(await readModel(join(dir, 'model.onnx')), dir, 'unet.bin')).rejects.toThrow(
      /holds the weights/,
    );
    expect(await forward(await readModel(join(dir, 'model.onnx')))).toEqual(expected);
  });
});

describe('#ExternalDataWriter', () => {
  it('rejects locations that onnxruntime would refuse (absolute or ../)', () => {
    expect(() => new ExternalDataWriter(root, '../weights.pb')).toThrow(RangeError);
    expect(() => new ExternalDataWriter(root, '/tmp/weights.pb')).toThrow(RangeError);
  });

  it('aligns each tensor: page-sized ones to 4096 bytes, small ones to 64', () => {
    const writer = new ExternalDataWriter(join(root, 'c'), 'w.bin');
    try {
      expect(writer.append(new Uint8Array(10))).toEqual({ location: 'w.bin', offset: 0, length: 10 });
      expect(writer.append(new Uint8Array(10)).offset).toBe(64);
      expect(writer.append(new Uint8Array(5000)).offset).toBe(4096);
      expect(writer.append(new Uint8Array(3)).offset).toBe(4096 + 5000 + 56);
    } finally {
      writer.close();
    }
  });
});
