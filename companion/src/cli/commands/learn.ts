// `imagic learn IMAGE IMAGE IMAGE … --token "<x>" --init-word WORD`: teaches the model a new word from a few images of
// one concept (Textual Inversion, learn/learn-embedding.ts) and installs it for that model (models/learned-store.ts):
// every later prompt of every mode understands it. Every flag, image and the token are checked before the model loads;
// the word is saved only when training finished, so a failed or cancelled job leaves the model's words as they were.
import type { Command } from 'commander';
import { fail } from '../../errors.ts';
import { ImagicEngine } from '../../engine/imagic-engine.ts';
import { checkImageCount } from '../../learn/learn-embedding.ts';
import { checkLearnJobAsync, runLearnAsync } from '../../learn/learn-run.ts';
import { LEARN_IMAGES, type LearnSettings } from '../../learn/learn-settings.ts';
import type { SubjectSettings } from '../../learn/learn-adapter.ts';
import { dataDirFromFlag, dataDirOption } from '../data-dir-option.ts';
import { parseNumber, parseProvider } from '../engine-flags.ts';
import { createOutputView } from '../engine-output.ts';
import { readImageAsync, resolveModelDirAsync } from '../edit-runs.ts';

interface LearnFlags {
  token: string;
  initWord: string;
  kind: string;
  classWord?: string;
  steps?: string;
  adapterSteps?: string;
  classImages?: string;
  lr?: string;
  seed?: string;
  model?: string;
  dataDir?: string;
  provider?: string;
  json?: boolean;
}

const KINDS = ['embedding', 'adapter'] as const;

const out = (line: string): void => void process.stdout.write(`${line}\n`);

export function registerLearn(program: Command): void {
  program
    .command('learn')
    .description(
      `Teach the model a new word from ${LEARN_IMAGES.min}–${LEARN_IMAGES.max} images of one concept (Textual Inversion); every later prompt understands it`,
    )
    .argument('<images...>', 'PNG, JPEG or WebP images of the concept, of similar sizes')
    .requiredOption('--token <word>', 'the new word, e.g. "<my-logo>"; it must be new to the model')
    .requiredOption('--init-word <word>', 'a word the model knows to start from, e.g. "logo"')
    .option('--kind <kind>', 'embedding: a new word (Textual Inversion); adapter: a subject adapter', 'embedding')
    .option('--class-word <word>', 'adapter: the class the subject belongs to, e.g. "dog"')
    .option('--steps <n>', "the word's optimiser steps (default: the model's recommendation)")
    .option('--adapter-steps <n>', "adapter: the adapters' optimiser steps (default: the model's recommendation)")
    .option('--class-images <n>', "adapter: class images generated for prior preservation (default: the model's)")
    .option('--lr <rate>', "learning rate (default: the model's recommendation)")
    .option('--seed <n>', 'seeds the draws of image, prompt, timestep and noise', '0')
    .option('--model <dir>', 'a package folder (default: the default installed model)')
    .option('--provider <name>', 'execution provider: auto (default), cuda, dml, coreml, webgpu, cpu')
    .option('--json', 'print one JSON object (token, kind, file, cost, timing_ms) as the last line')
    .addOption(dataDirOption())
    .action(async (images: string[], flags: LearnFlags) => {
      const t0 = performance.now();
      if (!(KINDS as readonly string[]).includes(flags.kind))
        fail('INVALID_SPEC', `--kind ${flags.kind}: expected one of ${KINDS.join(', ')}`);
      if (flags.kind === 'adapter' && flags.classWord === undefined)
        fail('INVALID_SPEC', '--kind adapter needs --class-word WORD: the class of what it learns (e.g. dog)');
      if (flags.classWord !== undefined && flags.kind !== 'adapter')
        fail('INVALID_SPEC', '--class-word goes with --kind adapter');
      const provider = parseProvider(flags.provider);
      const dataDir = dataDirFromFlag(flags.dataDir);
      const modelDir = await resolveModelDirAsync(dataDir, flags.model);
      checkImageCount(images.length);
      const decoded = [];
      for (const path of images) decoded.push((await readImageAsync(path)).image);
      const job = {
        modelDir,
        images: decoded,
        token: flags.token,
        initWord: flags.initWord,
        kind: flags.kind as (typeof KINDS)[number],
        ...(flags.classWord !== undefined ? { classWord: flags.classWord } : {}),
        overrides: overridesOf(flags),
        subjectOverrides: subjectOverridesOf(flags),
      };
      // Every check that needs no model run, before the model loads.
      await checkLearnJobAsync(dataDir, job);

      const view = createOutputView({ json: flags.json === true });
      let engine: ImagicEngine | undefined;
      let load = 0;
      try {
        const outcome = await runLearnAsync(
          {
            dataDir,
            hooks: view.hooks,
            engineAsync: async (dir) => {
              const t = performance.now();
              engine = await ImagicEngine.openAsync({ modelDir: dir, dataDir, ...(provider ? { provider } : {}) });
              load = performance.now() - t;
              return engine;
            },
          },
          job,
        );
        const round = (ms: number) => Math.round(ms);
        const report = {
          token: outcome.token,
          kind: outcome.kind,
          file: outcome.file,
          cost: outcome.cost,
          timing_ms: {
            load: round(load),
            ...Object.fromEntries(Object.entries(outcome.timing).map(([k, v]) => [k, round(v)])),
            total: round(performance.now() - t0),
          },
          final_loss: outcome.finalLoss,
        };
        if (flags.json) return out(JSON.stringify(report));
        out(
          `learned ${outcome.token} (${outcome.steps} steps from "${flags.initWord}"); every prompt on this model understands it`,
        );
        out(`file: ${outcome.file}`);
        out(
          `timing (ms): ${Object.entries(report.timing_ms)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        );
        out(`UNet work (forward passes): ${outcome.cost.total}`);
      } finally {
        await engine?.closeAsync();
        view.dispose();
      }
    });
}

/** A subject adapter's flags over the model's recommendation. */
function subjectOverridesOf(flags: LearnFlags): Partial<Pick<SubjectSettings, 'steps' | 'classImages'>> {
  const count = (flag: string, v: string) =>
    parseNumber(flag, v, (n) => Number.isSafeInteger(n) && n >= 1, 'an integer ≥ 1');
  return {
    ...(flags.adapterSteps !== undefined ? { steps: count('adapter-steps', flags.adapterSteps) } : {}),
    ...(flags.classImages !== undefined ? { classImages: count('class-images', flags.classImages) } : {}),
  };
}

/** The flags that override the model's recommended settings (checked here, with the flag's name). */
function overridesOf(flags: LearnFlags): Partial<Pick<LearnSettings, 'steps' | 'lr' | 'seed'>> {
  return {
    ...(flags.steps !== undefined
      ? { steps: parseNumber('steps', flags.steps, (n) => Number.isSafeInteger(n) && n >= 1, 'an integer ≥ 1') }
      : {}),
    ...(flags.lr !== undefined ? { lr: parseNumber('lr', flags.lr, (n) => n > 0, 'a number > 0') } : {}),
    seed: parseNumber('seed', flags.seed ?? '0', (n) => Number.isSafeInteger(n) && n >= 0, 'an integer ≥ 0'),
  };
}
