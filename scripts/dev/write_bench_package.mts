// Development only: writes the autodiff bench's UNet packages at other latent sizes, for
// `node companion/bin/bench.mjs __case DIR/model.onnx <forward|grad-ehs|grad-lora> N '<shapes json>'`.
//   npx tsx scripts/dev/write_bench_package.mts small|sd15 LATENT OUT_DIR    (prints the shapes JSON)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sd15UNetConfig, tinyUNetConfig, unetInputShapes } from '../../companion/src/model-builder/unet-config.ts';
import { writeUNetPackage } from '../../companion/src/model-builder/unet-package.ts';

const [which, latentText, dir] = process.argv.slice(2) as [string, string, string];
const latentSize = Number(latentText);
const config =
  which === 'sd15'
    ? sd15UNetConfig({ latentSize })
    : tinyUNetConfig({
        blockOutChannels: [64, 128, 256],
        layersPerBlock: 2,
        attentionHeads: 8,
        crossAttentionDim: 256,
        sequenceLength: 77,
        latentSize,
        normGroups: 32,
      });
if (!existsSync(join(dir, 'model.onnx'))) await writeUNetPackage(config, dir, { external: which === 'sd15' });
process.stdout.write(`${JSON.stringify(unetInputShapes(config))}\n`);
