// `imagic models list|add|download|remove|default`: the model manager. Models live in <data-dir>/models/<id>/;
// the default one (used by new edits) is kept in <data-dir>/config.json. `download` fetches a diffusers-ONNX
// package from the Hugging Face hub (or --hub-url, e.g. a mirror), resuming where an interrupted run stopped.
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { addModelAsync } from '../../models/model-add.ts';
import { downloadModelAsync, type DownloadProgress } from '../../models/hub-download.ts';
import { listModelsAsync, modelsDir, removeModelAsync, setDefaultModelAsync } from '../../models/model-store.ts';
import { dataDirFromFlag, dataDirOption } from '../data-dir-option.ts';

type DataDirFlag = { dataDir?: string };
type DownloadFlags = DataDirFlag & { revision: string; name?: string; hubUrl?: string };

const out = (line: string) => process.stdout.write(`${line}\n`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** A byte progress bar on a terminal; one line per file otherwise (logs, CI). */
function progressView(): { update(p: DownloadProgress): void; stop(): void } {
  if (process.stdout.isTTY !== true) {
    let lastFile = -1;
    return {
      update: (p) => {
        if (p.fileIndex === lastFile) return;
        lastFile = p.fileIndex;
        out(`[${p.fileIndex + 1}/${p.fileCount}] ${p.file}`);
      },
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{bar} {percentage}% · {value_mb}/{total_mb} MB · eta {eta_formatted} · {file}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      const payload = {
        file: p.file,
        value_mb: (p.doneBytes / 1e6).toFixed(1),
        total_mb: (p.totalBytes / 1e6).toFixed(1),
      };
      if (!started) bar.start(p.totalBytes, 0, payload);
      started = true;
      bar.update(p.doneBytes, payload);
    },
    stop: () => {
      if (started) bar.stop();
      started = false;
    },
  };
}

export function registerModels(program: Command): void {
  const models = program
    .command('models')
    .description('Install, list, remove and choose diffusers-ONNX Stable Diffusion models');

  models
    .command('list')
    .description('List installed models (* = the default) and the models folder')
    .addOption(dataDirOption())
    .action(async (flags: DataDirFlag) => {
      const dataDir = dataDirFromFlag(flags.dataDir);
      const list = await listModelsAsync(dataDir);
      if (list.length === 0)
        out('No model installed. Add one with `imagic models add <dir>` or `imagic models download <hub-repo-id>`.');
      for (const m of list)
        out(`${m.isDefault ? '*' : ' '} ${m.modelId}  ${mb(m.bytes)}  ${m.source ?? 'added by hand'}`);
      out(`Models folder: ${modelsDir(dataDir)}`);
    });

  models
    .command('add')
    .description('Check a diffusers-ONNX package folder and copy it into the models folder')
    .argument(
      '<dir>',
      'the package root (model_index.json, unet/, vae_encoder/, vae_decoder/, text_encoder/, tokenizer/, scheduler/)',
    )
    .option('--name <id>', 'model id (default: the folder name)')
    .addOption(dataDirOption())
    .action(async (dir: string, flags: DataDirFlag & { name?: string }) => {
      const added = await addModelAsync(
        dataDirFromFlag(flags.dataDir),
        dir,
        flags.name === undefined ? {} : { name: flags.name },
      );
      out(`Added model ${added.id} (${mb(added.bytes)}) at ${added.dir}`);
    });

  models
    .command('download')
    .description('Download a diffusers-ONNX package from the Hugging Face hub; run it again to resume')
    .argument('<repo>', 'hub repo id, e.g. onnx-community/stable-diffusion-v1-5-ONNX')
    .option('--revision <rev>', 'branch, tag or commit', 'main')
    .option('--name <id>', 'model id (default: the repo name)')
    .option('--hub-url <url>', 'hub endpoint (default: $HF_ENDPOINT, else https://huggingface.co)')
    .addOption(dataDirOption())
    .action(async (repo: string, flags: DownloadFlags) => {
      const view = progressView();
      const hubUrl = flags.hubUrl ?? process.env['HF_ENDPOINT'];
      const token = process.env['HF_TOKEN'];
      try {
        const result = await downloadModelAsync({
          dataDir: dataDirFromFlag(flags.dataDir),
          repo,
          revision: flags.revision,
          ...(flags.name ? { name: flags.name } : {}),
          ...(hubUrl ? { hubUrl } : {}),
          ...(token ? { accessToken: token } : {}),
          onProgress: (p) => view.update(p),
        });
        view.stop();
        const { complete, resumed, downloaded } = result.outcomes;
        out(
          `Installed model ${result.id} (${mb(result.bytes)}) at ${result.dir}: ${downloaded} files downloaded, ${resumed} resumed, ${complete} already complete`,
        );
      } finally {
        view.stop();
      }
    });

  models
    .command('remove')
    .description('Delete an installed model')
    .argument('<id>', 'model id (see `imagic models list`)')
    .addOption(dataDirOption())
    .action(async (id: string, flags: DataDirFlag) => {
      await removeModelAsync(dataDirFromFlag(flags.dataDir), id);
      out(`Removed model ${id}`);
    });

  models
    .command('default')
    .description('Make an installed model the one new edits use')
    .argument('<id>', 'model id (see `imagic models list`)')
    .addOption(dataDirOption())
    .action(async (id: string, flags: DataDirFlag) => {
      await setDefaultModelAsync(dataDirFromFlag(flags.dataDir), id);
      out(`Default model: ${id}`);
    });
}
