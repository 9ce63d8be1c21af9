// `npm run eval:demo [-- flags]`: measures the demo model and prints one JSON object on stdout (progress on stderr):
// generation from captions judged by the classifier, Imagic's η = 0 reconstruction PSNR, colour and shape edit success
// at the default η, and the η sweep. `--compare` adds the stage-2 settings comparison; `--write` stores the JSON as the
// package's eval.json and re-renders its README.
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { printCliError } from '../cli/cli-error.ts';
import { parseLateAdapters } from '../cli/engine-flags.ts';
import { fail } from '../errors.ts';
import { isAdapterTarget } from '../engine/adapter-targets.ts';
import { editCost } from '../engine/cost.ts';
import { isLrSchedule, LR_SCHEDULES, type LrSchedule } from '../engine/lr-schedule.ts';
import { schedulers, type SchedulerName } from '../diffusion/schedulers/samplers.ts';
import { readPackageSampleSettingsAsync, readPackageSettingsAsync } from '../engine/package-settings.ts';
import { isPreset, PRESETS, type Preset, type SampleSettings, type TrainSettings } from '../engine/settings.ts';
import {
  DEMO_DEFAULT_ETA,
  DEMO_PRESET,
  DEMO_QUICK_STRENGTH,
  demoSampleSettings,
  demoTrainSettings,
} from './demo-settings.ts';
import { DEMO_PACKAGE_DIR } from './demo-paths.ts';
import { evaluateGeneration } from './eval-generation.ts';
import { evaluateQuick } from './eval-quick.ts';
import { evaluateImagic } from './eval-imagic.ts';
import { evaluateLearn } from './eval-learn.ts';
import { evaluateSubject } from './eval-subject.ts';
import { evaluateSensitivity } from './eval-sensitivity.ts';
import { encodePng } from '../images/model-input.ts';
import { contactSheet } from './image-metrics.ts';
import { renderPackageReadme } from './package-readme.ts';
import { BACKGROUNDS, SCENE_SIZE } from './scene.ts';
import { SETTINGS_VARIANTS } from './settings-comparison.ts';

interface Flags {
  model: string;
  preset?: string;
  images: string;
  from: string;
  etas?: string;
  seeds: string;
  genSeeds: string;
  eta?: string;
  embedSteps?: string;
  tuneSteps?: string;
  embedLr?: string;
  embedLrSchedule?: string;
  tuneLr?: string;
  tuneLrSchedule?: string;
  rank?: string;
  targets?: string;
  steps?: string;
  sampler?: string;
  guidance?: string;
  lateAdapters?: string;
  strength?: string;
  trainStrength?: string;
  inversion?: boolean;
  generation: boolean;
  imagic: boolean;
  quick: boolean;
  masks: boolean;
  learn: boolean;
  subject: boolean;
  learnSamples: string;
  strengths?: string;
  compare?: boolean;
  compareImages: string;
  compareOnly?: string;
  write?: boolean;
  sheet?: string;
}

const num = (flag: string, value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) fail('INVALID_SPEC', `--${flag} ${value}: expected a number`);
  return n;
};
/** Held-out scenes the caption sensitivity averages over. */
const SENSITIVITY_SCENES = 8;
const log = (line: string) => process.stderr.write(`eval:demo: ${line}\n`);

/** The demo's settings (demo-settings.ts), or a plain engine preset with --preset; then single-field flags. */
/** The demo's settings, or with --preset that preset as the package recommends it (imagic_settings.json `presets`). */
async function trainSettings(f: Flags, modelDir: string): Promise<TrainSettings> {
  const preset = f.preset === undefined ? undefined : presetOf(f.preset);
  const base =
    preset === undefined
      ? demoTrainSettings()
      : { ...PRESETS[preset].train, ...(await readPackageSettingsAsync(modelDir, preset)), seed: 0 };
  const targets = f.targets?.split(',').map((t) => t.trim());
  if (targets && !targets.every(isAdapterTarget))
    fail('INVALID_SPEC', `--targets ${f.targets}: expected names from to_q,to_k,to_v,to_out,ff,conv`);
  return {
    ...base,
    ...(f.embedSteps ? { embedSteps: num('embed-steps', f.embedSteps) } : {}),
    ...(f.tuneSteps ? { tuneSteps: num('tune-steps', f.tuneSteps) } : {}),
    ...(f.embedLr ? { embedLr: num('embed-lr', f.embedLr) } : {}),
    ...(f.embedLrSchedule ? { embedLrSchedule: lrScheduleOf('embed-lr-schedule', f.embedLrSchedule) } : {}),
    ...(f.tuneLr ? { tuneLr: num('tune-lr', f.tuneLr) } : {}),
    ...(f.tuneLrSchedule ? { tuneLrSchedule: lrScheduleOf('tune-lr-schedule', f.tuneLrSchedule) } : {}),
    ...(f.rank ? { adapterRank: num('rank', f.rank), adapterAlpha: num('rank', f.rank) } : {}),
    ...(targets ? { adapterTargets: targets as TrainSettings['adapterTargets'] } : {}),
    ...(f.trainStrength ? { trainStrength: num('train-strength', f.trainStrength) } : {}),
  };
}

async function sampleSettings(f: Flags, modelDir: string): Promise<Omit<SampleSettings, 'etas' | 'seeds'>> {
  const preset = f.preset === undefined ? undefined : presetOf(f.preset);
  const recommended = preset === undefined ? {} : await readPackageSampleSettingsAsync(modelDir, preset);
  const { eta: _, ...forSampling } = recommended;
  const base = preset === undefined ? demoSampleSettings() : { ...PRESETS[preset].sample, ...forSampling };
  return {
    ...base,
    ...(f.steps ? { steps: num('steps', f.steps) } : {}),
    ...(f.sampler ? { sampler: samplerOf(f.sampler) } : {}),
    ...(f.guidance ? { guidanceScale: num('guidance', f.guidance) } : {}),
    ...(f.lateAdapters ? { lateAdapters: parseLateAdapters(f.lateAdapters) } : {}),
    ...(f.strength ? { strength: num('strength', f.strength) } : {}),
    ...(f.inversion ? { inversion: true } : {}),
  };
}

const lrScheduleOf = (flag: string, name: string): LrSchedule =>
  isLrSchedule(name) ? name : fail('INVALID_SPEC', `--${flag} ${name}: expected one of ${LR_SCHEDULES.join(', ')}`);
const samplerOf = (name: string): SchedulerName =>
  Object.hasOwn(schedulers, name)
    ? (name as SchedulerName)
    : fail('INVALID_SPEC', `--sampler ${name}: expected one of ${Object.keys(schedulers).join(', ')}`);

const presetOf = (name: string): Preset =>
  isPreset(name) ? name : fail('INVALID_SPEC', `--preset ${name}: expected one of ${Object.keys(PRESETS).join(', ')}`);

async function run(f: Flags): Promise<void> {
  const modelDir = resolve(f.model);
  const train = await trainSettings(f, modelDir);
  const sample = await sampleSettings(f, modelDir);
  const seeds = f.seeds.split(',').map((s) => num('seeds', s));
  // The η the preset's recommendation names (imagic_settings.json), else the demo's default.
  const recommendedEta =
    f.preset === undefined ? undefined : (await readPackageSampleSettingsAsync(modelDir, presetOf(f.preset))).eta;
  const defaultEta = f.eta === undefined ? (recommendedEta ?? DEMO_DEFAULT_ETA) : num('eta', f.eta);
  const images = num('images', f.images);
  const from = num('from', f.from);
  const etas = f.etas?.split(',').map((e) => num('etas', e));
  const result: Record<string, unknown> = {
    model: modelDir,
    preset: f.preset ?? `${DEMO_PRESET} + the package's imagic_settings.json`,
    train,
    sample,
    seeds,
    defaultEta,
    from,
    cost: editCost(train, { ...sample, etas: [defaultEta], seeds: [seeds[0] ?? 0] }),
  };
  if (f.generation) {
    log('generation from captions…');
    const { images: samples, ...generation } = await evaluateGeneration(modelDir, sample, num('gen-seeds', f.genSeeds));
    result['generation'] = generation;
    log('caption sensitivity…');
    result['captionSensitivity'] = await evaluateSensitivity(modelDir, SENSITIVITY_SCENES);
    if (f.sheet) {
      // One row per caption, in grammar order (shape, colour, background), one column per seed.
      const sheet = contactSheet(samples, SCENE_SIZE, num('gen-seeds', f.genSeeds) * BACKGROUNDS.length);
      await writeFile(resolve(f.sheet), await encodePng(sheet.rgba, sheet.width, sheet.height));
    }
  }
  if (f.imagic) {
    result['imagic'] = await evaluateImagic(modelDir, {
      train,
      sample,
      seeds,
      images,
      from,
      defaultEta,
      ...(etas ? { etas } : {}),
      masks: f.masks,
      onCase: (done, total, c) => log(`imagic ${done}/${total}: ${c.input.caption} → "${c.prompt}"`),
    });
  }
  if (f.quick) {
    const { lateAdapters: _, strength: __, ...plain } = sample;
    result['quick'] = await evaluateQuick(modelDir, {
      sample: plain,
      seeds,
      images,
      from,
      ...(f.strengths ? { strengths: f.strengths.split(',').map((s) => num('strengths', s)) } : {}),
      ...(f.masks ? { maskStrength: DEMO_QUICK_STRENGTH } : {}),
      onCase: (done, total, c) => log(`quick ${done}/${total}: ${c.input.caption} → "${c.prompt}"`),
    });
  }
  if (f.learn) {
    result['learn'] = await evaluateLearn(modelDir, sample, num('learn-samples', f.learnSamples), (c) =>
      log(`learn: ${c.colour} ${c.shape} from "${c.initWord}"`),
    );
  }
  if (f.subject) result['subject'] = await evaluateSubject(modelDir, sample, num('learn-samples', f.learnSamples), log);
  if (f.compare) {
    const comparison = [];
    for (const v of SETTINGS_VARIANTS.filter(
      (row) => f.compareOnly === undefined || row.label.includes(f.compareOnly),
    )) {
      log(`compare: ${v.label}`);
      const r = await evaluateImagic(modelDir, {
        train: { ...train, ...v.train },
        sample,
        seeds,
        images: num('compare-images', f.compareImages),
        defaultEta,
      });
      comparison.push({
        label: v.label,
        train: v.train,
        outputsPerEta: r.outputsPerEta,
        reconstruction: r.reconstruction,
        atDefaultEta: r.atDefaultEta,
        sweep: r.sweep.map((s) => ({ eta: s.eta, success: s.success })),
        secondsPerCase: r.secondsPerCase,
      });
    }
    result['comparison'] = comparison;
  }
  const text = `${JSON.stringify(result, null, 2)}\n`;
  process.stdout.write(text);
  if (f.write) {
    // The sections this run skipped keep their figures from the last run that ran them; the settings that ran
    // (model, train, sample, …) describe Imagic's and generation's figures, so only a run of those replaces them.
    const previous = await readFile(join(modelDir, 'eval.json'), 'utf8').then(
      (t) => JSON.parse(t) as Record<string, unknown>,
      () => ({}),
    );
    const sections =
      f.imagic || f.generation
        ? result
        : {
            quick: result['quick'],
            comparison: result['comparison'],
            learn: result['learn'],
            subject: result['subject'],
          };
    const kept = Object.fromEntries(Object.entries(sections).filter(([, v]) => v !== undefined));
    await writeFile(join(modelDir, 'eval.json'), `${JSON.stringify({ ...previous, ...kept }, null, 2)}\n`);
    await writeFile(join(modelDir, 'README.md'), await renderPackageReadme(modelDir));
    log(`wrote ${join(modelDir, 'eval.json')} and README.md`);
  }
}

const program = new Command('eval-demo')
  .description(
    'evaluate the demo model: generation from captions, Imagic reconstruction and edits, η sweep; prints JSON',
  )
  .addOption(new Option('--model <dir>', 'package folder').default(DEMO_PACKAGE_DIR))
  .addOption(
    new Option(
      '--preset <name>',
      'a preset as the package recommends it (imagic_settings.json presets) instead of the demo settings (demo-settings.ts)',
    ),
  )
  .addOption(new Option('--images <n>', 'held-out input scenes for Imagic').default('12'))
  .addOption(
    new Option(
      '--from <i>',
      'index of the first input scene (held-out checks of settings chosen on earlier scenes)',
    ).default('0'),
  )
  .addOption(
    new Option(
      '--etas <list>',
      'sample only these η (with 0 and the default η) instead of the full sweep: quicker probes',
    ),
  )
  .addOption(new Option('--seeds <list>', 'sampling seeds per edit').default('1,2'))
  .addOption(new Option('--gen-seeds <n>', 'samples per caption for generation').default('2'))
  .addOption(
    new Option(
      '--eta <eta>',
      `the default η edits are judged at (default: the preset's recommendation, else ${DEMO_DEFAULT_ETA})`,
    ),
  )
  .addOption(new Option('--embed-steps <n>'))
  .addOption(new Option('--tune-steps <n>'))
  .addOption(new Option('--embed-lr <lr>'))
  .addOption(new Option('--tune-lr <lr>'))
  .addOption(new Option('--embed-lr-schedule <name>', `stage 1's learning-rate schedule: ${LR_SCHEDULES.join(', ')}`))
  .addOption(new Option('--tune-lr-schedule <name>', `stage 2's learning-rate schedule: ${LR_SCHEDULES.join(', ')}`))
  .addOption(new Option('--rank <n>', 'adapter rank (alpha = rank)'))
  .addOption(new Option('--targets <list>', 'adapter targets, comma-separated'))
  .addOption(new Option('--steps <n>', 'sampling steps'))
  .addOption(new Option('--sampler <name>', `sampler: ${Object.keys(schedulers).join(', ')}`))
  .addOption(new Option('--guidance <g>', 'classifier-free guidance scale'))
  .addOption(
    new Option('--late-adapters <from,scale>', "late-step fading of the adapters (late-adapters.ts), or 'off'"),
  )
  .addOption(new Option('--strength <s>', "sample from the layer's latent noised to this strength (SDEdit's start)"))
  .addOption(new Option('--train-strength <s>', 'train on timesteps in [0, s·T) only'))
  .addOption(new Option('--inversion', "sample from the layer's edit-friendly DDPM inversion (stage-inversion.ts)"))
  .addOption(new Option('--no-generation', 'skip generation from captions'))
  .addOption(new Option('--no-imagic', 'skip the Imagic evaluation'))
  .addOption(new Option('--no-quick', 'skip the quick-edit (SDEdit) strength sweep'))
  .addOption(new Option('--no-masks', 'skip the mask figures (automatic masks, edits inside a mask)'))
  .addOption(new Option('--no-learn', 'skip the learn jobs (Textual Inversion) on held-out concepts'))
  .addOption(new Option('--no-subject', 'skip the subject adapter (DreamBooth-style) on an unseen appearance'))
  .addOption(new Option('--learn-samples <n>', 'samples per learned concept').default('16'))
  .addOption(new Option('--strengths <list>', "the quick edits' strengths (default: 0.3 to 1 by 0.1)"))
  .addOption(new Option('--compare', 'also compare the stage-2 settings of settings-comparison.ts'))
  .addOption(new Option('--compare-images <n>', 'input scenes per compared setting').default('6'))
  .addOption(new Option('--compare-only <text>', 'compare only the settings whose label contains this text'))
  .addOption(new Option('--sheet <png>', 'also save the generated samples as one contact-sheet PNG'))
  .addOption(new Option('--write', "write the JSON to the package's eval.json and re-render its README"))
  .action((flags: Flags) => run(flags));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = printCliError(err);
}
