// docs/providers.md's table lists exactly the ops of the graphs the engine opens: the forward graphs of the bundled demo
// model and of the model builder's SD-style UNet (fp32 and fp16, opset 14 and 17), and the stage-1/2 training graphs
// and the merged and scaled sampling UNets built from them, with their sampling-step graphs. An op the engine starts to emit without a row (or a row
// left for an op it no longer emits) fails here, so the provider columns are looked at again.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { initAdapterValues } from '../../companion/src/autodiff/adapters.ts';
import { cloneModel } from '../../companion/src/autodiff/gradient-model.ts';
import { adapterPatterns } from '../../companion/src/engine/adapter-targets.ts';
import { PRESETS } from '../../companion/src/engine/settings.ts';
import {
  adapterGradientModel,
  adapterTrainingStep,
  embeddingGradientModel,
  embeddingTrainingStep,
  samplingModel,
  type AdapterSpec,
} from '../../companion/src/engine/unet-graphs.ts';
import { denoisingStepModel } from '../../companion/src/engine/denoising-step.ts';
import { buildTinyTextEncoder } from '../../companion/src/fixtures/tiny/tiny-text-encoder.ts';
import { buildTinyVaeDecoder, buildTinyVaeEncoder } from '../../companion/src/fixtures/tiny/tiny-vae.ts';
import type { Model } from '../../companion/src/graph/ir.ts';
import { normalizeModel } from '../../companion/src/graph/normalize.ts';
import { buildUNet } from '../../companion/src/model-builder/unet.ts';
import { tinyUNetConfig, unetInputShapes } from '../../companion/src/model-builder/unet-config.ts';
import { readModel } from '../../companion/src/onnx/model-file.ts';
import { injectAdapters } from '../../companion/src/autodiff/adapters.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEMO = join(ROOT, 'models/demo');

/** The table's rows: op name → its provider columns. */
async function tableRows(): Promise<Map<string, Record<string, string>>> {
  const doc = await readFile(join(ROOT, 'docs/providers.md'), 'utf8');
  const body = doc.slice(doc.indexOf('<!-- provider-table'), doc.indexOf('<!-- /provider-table -->'));
  const lines = body.split('\n').filter((l) => l.startsWith('|'));
  const header = lines[0]!
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines.slice(2)) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    rows.set(cells[0]!.replace(/`/g, ''), Object.fromEntries(header.map((h, i) => [h, cells[i]!])));
  }
  return rows;
}

/** Every graph the engine opens for one UNet: its gradient graphs (`imagic grad`), training steps and sampling graphs. */
function unetGraphs(unet: Model): Model[] {
  const train = PRESETS.community.train;
  const spec: AdapterSpec = {
    targets: adapterPatterns(train.adapterTargets),
    rank: train.adapterRank,
    alpha: train.adapterAlpha,
  };
  const layout = injectAdapters(unet, { ...spec, mode: 'inputs' });
  const values = initAdapterValues(layout.adapters, 1);
  const [merged, scaled] = [samplingModel(unet, spec, values, 'merged'), samplingModel(unet, spec, values, 'scaled')];
  // The sampling steps (denoising-step.ts): a batch-1 UNet makes 'single' and 'twice' steps; 'pair' wants a batch-2
  // UNet, whose ops are the same as 'twice''s plus the Concat of the pair.
  const steps = (['single', 'twice'] as const).flatMap((p) => [
    denoisingStepModel(merged, p).model,
    denoisingStepModel(scaled, p).model,
  ]);
  return [
    unet,
    embeddingGradientModel(unet),
    adapterGradientModel(layout),
    embeddingTrainingStep(unet).model,
    adapterTrainingStep(layout).model,
    merged,
    scaled,
    ...steps,
  ];
}

async function emittedOps(): Promise<Set<string>> {
  const graphs: Model[] = [];
  for (const overrides of [{}, { dtype: 'float16' as const }, { opset: 17 as const }, { dynamicShapes: true }]) {
    const config = tinyUNetConfig(overrides);
    graphs.push(
      ...unetGraphs(normalizeModel(cloneModel(buildUNet(config).model), { inputShapes: unetInputShapes(config) })),
    );
  }
  const demoUNet = await readModel(join(DEMO, 'unet/model.onnx'));
  const shapes = Object.fromEntries(
    demoUNet.graph.inputs.map((i) => [i.name, i.dims.map((d) => (typeof d === 'number' ? d : 1))]),
  );
  graphs.push(...unetGraphs(normalizeModel(cloneModel(demoUNet), { inputShapes: shapes })));
  for (const part of ['text_encoder', 'vae_encoder', 'vae_decoder'])
    graphs.push(await readModel(join(DEMO, part, 'model.onnx')));
  const text = {
    vocabSize: 100,
    sequenceLength: 8,
    hidden: 32,
    heads: 2,
    layers: 1,
    inputIds: 'int64',
    dtype: 'float32',
    seed: 1,
  } as const;
  const vae = {
    imageSize: 64,
    encoderOutput: 'latent_parameters',
    dtype: 'float32',
    scalingFactor: 0.18215,
    seed: 1,
  } as const;
  graphs.push(buildTinyTextEncoder(text), buildTinyVaeEncoder(vae), buildTinyVaeDecoder(vae));
  return new Set(graphs.flatMap((g) => g.graph.nodes.map((n) => n.opType)));
}

describe('docs/providers.md', () => {
  it('has one row for each op the engine emits, and none for another', { timeout: 60_000 }, async () => {
    const [rows, ops] = await Promise.all([tableRows(), emittedOps()]);
    expect([...rows.keys()].sort()).toEqual([...ops].sort());
  });

  it('promises WebGPU for every row (tests/webgpu proves it on every graph), and the forms it names', async () => {
    const rows = await tableRows();
    for (const [op, columns] of rows) expect(columns['WebGPU'], op).toBe('yes');
    // The forms chosen for providers without a kernel: no Sum (WebGPU, CoreML), no Neg (CoreML) in what we emit.
    expect(rows.has('Sum')).toBe(false);
    expect(rows.has('Neg')).toBe(false);
  });
});
