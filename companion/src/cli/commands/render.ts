// `imagic render <edit-id>`: stage 3 only, from an edit saved by `imagic edit`: new η values and seeds in seconds.
import type { Command } from 'commander';
import { runRenderAsync } from '../edit-runs.ts';
import { dataDirFromFlag, dataDirOption } from '../data-dir-option.ts';
import {
  parseProvider,
  parseRegionFlags,
  parseSamplingFlags,
  regionOptions,
  samplingOptions,
  type RegionOptionFlags,
  type SamplingFlags,
} from '../engine-flags.ts';
import { createOutputView } from '../engine-output.ts';

interface RenderFlags extends SamplingFlags, RegionOptionFlags {
  out: string;
  json?: boolean;
  dataDir?: string;
}

export function registerRender(program: Command): void {
  const command = program
    .command('render')
    .description('Re-render a saved edit with other η values or seeds (no retraining)')
    .argument('<edit-id>', 'the edit id `imagic edit` printed')
    .option('--out <dir>', 'folder for the output PNGs', '.')
    .option(
      '--json',
      'print one JSON object (edit id, outputs, timing, provider, final losses, UNet work as cost) as the last line',
    )
    .addOption(dataDirOption());
  for (const option of [...samplingOptions(), ...regionOptions()]) command.addOption(option);
  command.action(async (editId: string, flags: RenderFlags) => {
    const sample = parseSamplingFlags(flags);
    const region = parseRegionFlags(flags);
    const provider = parseProvider(flags.provider);
    const view = createOutputView({ json: flags.json === true, verbose: flags.verbose === true });
    try {
      const report = await runRenderAsync(
        {
          editId,
          dataDir: dataDirFromFlag(flags.dataDir),
          sample,
          outDir: flags.out,
          ...(region ? { region } : {}),
          ...(provider ? { provider } : {}),
        },
        view.hooks,
      );
      view.finish(report);
    } finally {
      view.dispose();
    }
  });
}
