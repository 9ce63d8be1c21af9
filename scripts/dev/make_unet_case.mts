// Development only: writes an SD-style UNet (companion/src/model-builder) plus random feeds, a random target and an
// `imagic grad` spec.json to a folder, for checking gradients against scripts/dev/torch_reference.py.
//   npx tsx scripts/dev/make_unet_case.mts OUT_DIR [--config tiny|mid] [--opset 14|17] [--dynamic] [--timestep int64[B]|float[B]|float-scalar]
//                                        [--dtype float32|float16] [--wrt-extra name,...] [--seed N] [--external] [--latent N]
// --config sd15 is Stable Diffusion 1.5's architecture (859.5 M parameters; use --external and a small --latent on CPU).
// The model is written with the builder's writeUNetPackage (model.onnx, plus weights.pb with --external).
// The spec's wrt: encoder_hidden_states, sample, an attn2.to_k weight, a resnet conv weight, conv_in, a GroupNorm γ
// and a LayerNorm γ (found through the builder's initializer → parameter map), plus --wrt-extra.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UNET_OUTPUT } from '../../companion/src/model-builder/unet.ts';
import { writeUNetPackage } from '../../companion/src/model-builder/unet-package.ts';
import {
  sd15UNetConfig,
  tinyUNetConfig,
  unetInputShapes,
  type UNetConfig,
} from '../../companion/src/model-builder/unet-config.ts';
import { fromNumbers, numel, tensorBytes } from '../../companion/src/graph/tensor.ts';
import { Rng } from '../../companion/src/util/rng.ts';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  return argv.splice(i, name.startsWith('--') && argv[i + 1] && !argv[i + 1]!.startsWith('--') ? 2 : 1)[1] ?? 'true';
};
const configName = flag('--config') ?? 'tiny';
const opset = Number(flag('--opset') ?? 14) as 14 | 17;
const dynamicShapes = flag('--dynamic') !== undefined;
const timestepInput = (flag('--timestep') ?? 'float[B]') as UNetConfig['timestepInput'];
const dtype = (flag('--dtype') ?? 'float32') as 'float32' | 'float16';
const wrtExtra = (flag('--wrt-extra') ?? '').split(',').filter(Boolean);
const seed = Number(flag('--seed') ?? 7);
const external = flag('--external') !== undefined;
const latent = flag('--latent');
const outDir = resolve(argv[0] ?? '/tmp/unet_case');

const configs: Record<string, Partial<UNetConfig>> = {
  tiny: {},
  // More SD-like but CPU-cheap: three levels, two layers per block, CLIP-length context.
  mid: {
    blockOutChannels: [64, 128, 128],
    layersPerBlock: 2,
    attentionHeads: 8,
    crossAttentionDim: 128,
    sequenceLength: 77,
    latentSize: 16,
    normGroups: 32,
    normEps: 1e-5,
  },
};
if (!(configName in configs) && configName !== 'sd15') throw new Error(`unknown --config ${configName}`);
const overrides: Partial<UNetConfig> = {
  opset,
  dynamicShapes,
  timestepInput,
  dtype,
  ...(latent ? { latentSize: Number(latent) } : {}),
};
const config =
  configName === 'sd15' ? sd15UNetConfig(overrides) : tinyUNetConfig({ ...configs[configName], ...overrides });
await mkdir(outDir, { recursive: true });
const t0 = performance.now();
const { model, parameters, modelPath } = await writeUNetPackage(config, outDir, { external });

const rng = new Rng(seed);
const shapes = unetInputShapes(config);
const feedsSpec: Record<string, { dtype: string; dims: number[]; file: string }> = {};
const save = async (file: string, dt: 'float32' | 'float16' | 'int64', dims: number[], values: ArrayLike<number>) => {
  await writeFile(join(outDir, file), tensorBytes(fromNumbers(dt, dims, values)));
  return { dtype: dt, dims, file };
};
feedsSpec['sample'] = await save('sample.bin', dtype, shapes['sample']!, rng.normalArray(numel(shapes['sample']!)));
const tsDtype = timestepInput === 'int64[B]' ? 'int64' : dtype;
feedsSpec['timestep'] = await save(
  'timestep.bin',
  tsDtype,
  shapes['timestep']!,
  new Array(numel(shapes['timestep']!)).fill(421),
);
const ehs = shapes['encoder_hidden_states']!;
feedsSpec['encoder_hidden_states'] = await save('ehs.bin', dtype, ehs, rng.normalArray(numel(ehs)));
const outDims = shapes['sample']!;
const target = await save('target.bin', 'float32', outDims, rng.normalArray(numel(outDims), 0.5));

// Initializer names for a few diffusers parameters (folded Linear weights have anonymous onnx::MatMul_N names).
const byParam = new Map([...parameters].map(([init, param]) => [param, init]));
const find = (suffix: string): string => {
  const hit = [...byParam.keys()].filter((p) => p.endsWith(suffix)).sort()[0];
  if (!hit)
    throw new Error(`no parameter ending in ${suffix}; have e.g. ${[...byParam.keys()].slice(0, 8).join(', ')}`);
  return byParam.get(hit)!;
};
const wrtParams = [
  'attn2.to_k.weight',
  'resnets.0.conv1.weight',
  'conv_in.weight',
  'resnets.0.norm1.weight',
  'transformer_blocks.0.norm1.weight',
];
const wrt = ['encoder_hidden_states', 'sample', ...new Set(wrtParams.map(find)), ...wrtExtra];
const wrtNames = Object.fromEntries(wrt.map((n) => [n, parameters.get(n) ?? '(graph input)']));

const spec = {
  model: modelPath.split('/').pop(),
  feeds: feedsSpec,
  loss: { type: 'mse', output: UNET_OUTPUT, target },
  wrt,
  repeat: 1,
  provider: 'cpu',
};
await writeFile(join(outDir, 'spec.json'), JSON.stringify(spec, null, 1));
await writeFile(
  join(outDir, 'case.json'),
  JSON.stringify({ config, wrt: wrtNames, nodes: model.graph.nodes.length }, null, 1),
);
process.stdout.write(
  `${configName} UNet opset ${opset}${dynamicShapes ? ' dynamic' : ''}${external ? ' external-data' : ''}: ${model.graph.nodes.length} nodes, ` +
    `${parameters.size} parameters tensors, built in ${(performance.now() - t0).toFixed(0)} ms → ${outDir}/spec.json\n` +
    `wrt: ${JSON.stringify(wrtNames)}\n`,
);
