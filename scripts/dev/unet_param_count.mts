// Development only: our builder's parameter counts for the configs scripts/dev/torch_unet.py mirrors.
//   npx tsx scripts/dev/unet_param_count.mts
import { sd15UNetConfig, tinyUNetConfig } from '../../companion/src/model-builder/unet-config.ts';
import { countUNetParameters } from '../../companion/src/model-builder/unet-parameters.ts';

const small = tinyUNetConfig({
  blockOutChannels: [64, 128, 256],
  layersPerBlock: 2,
  attentionHeads: 8,
  crossAttentionDim: 256,
  sequenceLength: 77,
  latentSize: 16,
  normGroups: 32,
});
for (const [name, c] of [
  ['tiny', tinyUNetConfig()],
  ['sd-style-small-16', small],
  ['sd15', sd15UNetConfig()],
] as const) {
  process.stdout.write(`${name}: ${countUNetParameters(c).toLocaleString('en-US')} parameters\n`);
}
