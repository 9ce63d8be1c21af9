// Development only: diffusers parameter path → element count of every trainable tensor our builder generates,
// as JSON, for checking scripts/dev/torch_unet.py module for module.   npx tsx scripts/dev/unet_param_shapes.mts [small|tiny]
import { buildUNet } from '../../companion/src/model-builder/unet.ts';
import { tinyUNetConfig } from '../../companion/src/model-builder/unet-config.ts';
import { numel } from '../../companion/src/graph/tensor.ts';

const which = process.argv[2] ?? 'small';
const config =
  which === 'tiny'
    ? tinyUNetConfig()
    : tinyUNetConfig({
        blockOutChannels: [64, 128, 256],
        layersPerBlock: 2,
        attentionHeads: 8,
        crossAttentionDim: 256,
        sequenceLength: 77,
        latentSize: 16,
        normGroups: 32,
      });
const build = buildUNet(config);
const out: Record<string, number> = {};
for (const [init, path] of build.parameters) out[path] = numel(build.model.graph.initializers.get(init)!.dims);
process.stdout.write(`${JSON.stringify(out)}\n`);
