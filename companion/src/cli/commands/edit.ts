// `imagic edit <image> --prompt "<target text>"`: stages 1–3 of Imagic on one image, saving the trained state so
// that `imagic render <edit-id>` can re-render with other η and seeds without retraining.
import { Option, type Command } from 'commander';
import { fail } from '../../errors.ts';
import { runEditAsync } from '../edit-runs.ts';
import { DEFAULT_PRESET, isPreset, PRESETS, type Preset, type TrainSettings } from '../../engine/settings.ts';
import { dataDirFromFlag, dataDirOption } from '../data-dir-option.ts';
import {
  parseNumber,
  parseProvider,
  parseRegionFlags,
  parseSamplingFlags,
  regionOptions,
  samplingOptions,
  type RegionOptionFlags,
  type SamplingFlags,
} from '../engine-flags.ts';
import { createOutputView } from '../engine-output.ts';
import { DEFAULT_STRENGTH } from '../../engine/quick-edit.ts';

interface EditFlags extends SamplingFlags, RegionOptionFlags {
  prompt: string;
  model?: string;
  preset: string;
  out: string;
  json?: boolean;
  dataDir?: string;
  embedSteps?: string;
  tuneSteps?: string;
  mode: string;
  strength?: string;
  subject?: string;
}

const MODES = ['imagic', 'quick'] as const;

export function registerEdit(program: Command): void {
  const command = program
    .command('edit')
    .description('Edit an image to match a target text (Imagic): trains, saves the edit, writes one PNG per η and seed')
    .argument('<image>', 'PNG, JPEG or WebP; outputs keep its size and alpha')
    .requiredOption('--prompt <text>', 'the target text: what the image should show, e.g. "a photo of a sitting dog"')
    .option(
      '--model <dir>',
      'diffusers-ONNX Stable Diffusion 1.x package (default: the chosen default model, else the first installed, else the bundled demo model)',
    )
    .option('--preset <name>', `training and sampling preset: ${Object.keys(PRESETS).join(', ')}`, DEFAULT_PRESET)
    .option('--out <dir>', 'folder for the output PNGs', '.')
    .option(
      '--json',
      'print one JSON object (edit id, outputs, timing, provider, final losses, UNet work as cost) as the last line',
    )
    .option(
      '--mode <mode>',
      'imagic: train on the image, then edit (saved, re-renderable); quick: SDEdit, no training, in seconds',
      'imagic',
    )
    .option(
      '--strength <s>',
      `quick mode: how far from the layer, in (0, 1] (0.3 keeps it, 1 draws from the prompt alone; default: the model's recommendation, else ${DEFAULT_STRENGTH})`,
    )
    .option(
      '--subject <word>',
      'switch on the subject adapter learned for this word (imagic learn --kind adapter); an Imagic edit trains on top of it',
    )
    .addOption(new Option('--embed-steps <n>', 'stage 1 steps (overrides the preset)'))
    .addOption(new Option('--tune-steps <n>', 'stage 2 steps (overrides the preset)'))
    .addOption(dataDirOption());
  for (const option of [...samplingOptions(), ...regionOptions()]) command.addOption(option);
  command.action(async (image: string, flags: EditFlags) => {
    if (!(MODES as readonly string[]).includes(flags.mode))
      fail('INVALID_SPEC', `--mode ${flags.mode}: expected one of ${MODES.join(', ')}`);
    const strength =
      flags.strength === undefined
        ? undefined
        : parseNumber('strength', flags.strength, (n) => n > 0 && n <= 1, 'a number in (0, 1]');
    if (!isPreset(flags.preset))
      fail('INVALID_SPEC', `--preset ${flags.preset}: expected one of ${Object.keys(PRESETS).join(', ')}`);
    const stepsOf = (flag: string, v: string) =>
      parseNumber(flag, v, (n) => Number.isSafeInteger(n) && n >= 0 && n <= 100_000, 'an integer ≥ 0');
    const train: { -readonly [K in keyof TrainSettings]?: TrainSettings[K] } = {};
    if (flags.embedSteps !== undefined) train.embedSteps = stepsOf('embed-steps', flags.embedSteps);
    if (flags.tuneSteps !== undefined) train.tuneSteps = stepsOf('tune-steps', flags.tuneSteps);
    const sample = parseSamplingFlags(flags);
    const region = parseRegionFlags(flags);
    const provider = parseProvider(flags.provider);
    const view = createOutputView({ json: flags.json === true, verbose: flags.verbose === true });
    try {
      const report = await runEditAsync(
        {
          imagePath: image,
          prompt: flags.prompt,
          ...(flags.model !== undefined ? { modelDir: flags.model } : {}),
          dataDir: dataDirFromFlag(flags.dataDir),
          preset: flags.preset as Preset,
          train,
          sample,
          outDir: flags.out,
          ...(provider ? { provider } : {}),
          mode: flags.mode as (typeof MODES)[number],
          ...(strength === undefined ? {} : { strength }),
          ...(flags.subject === undefined ? {} : { subject: flags.subject }),
          ...(region ? { region } : {}),
        },
        view.hooks,
      );
      view.finish(report);
    } finally {
      view.dispose();
    }
  });
}
