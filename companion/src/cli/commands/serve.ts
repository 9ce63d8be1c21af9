// `imagic serve`: runs the companion until SIGINT/SIGTERM. Startup prints where it listens, how to pair, and, when
// no model is installed, how to get one, so a first run tells the user every next step.
import { InvalidArgumentError, type Command } from 'commander';
import { DEFAULT_PORT, WS_PATH } from '../../../../shared/src/protocol/defaults.ts';
import { errorCodes } from '../../../../shared/src/protocol/error-codes.ts';
import { defaultDaemonOptions, LOOPBACK_HOST } from '../../config.ts';
import { stderrLogger } from '../../log.ts';
import { findInstalledModelsAsync, modelsDir } from '../../models/model-store.ts';
import { startDaemonAsync } from '../../server/daemon.ts';
import { COMPANION_VERSION } from '../../version.ts';
import { dataDirFromFlag, dataDirOption } from '../data-dir-option.ts';

type ServeOptions = { port: number; dataDir?: string };

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('expected an integer in 0..65535 (0 picks a free port)');
  return port;
};

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(`Run the companion daemon on ${LOOPBACK_HOST} for the Figma and Photoshop plugins`)
    .option('--port <n>', 'port to listen on (0 picks a free one; the Figma plugin expects the default)', parsePort, DEFAULT_PORT)
    .addOption(dataDirOption())
    .action(async (options: ServeOptions) => serveAsync(options));
}

async function serveAsync(options: ServeOptions): Promise<void> {
  const dataDir = dataDirFromFlag(options.dataDir);
  const daemon = await startDaemonAsync({ ...defaultDaemonOptions, port: options.port, dataDir, logger: stderrLogger });
  const models = await findInstalledModelsAsync(dataDir);
  const out = (line: string) => process.stdout.write(`${line}\n`);

  out(`Imagic companion ${COMPANION_VERSION} listening on http://localhost:${daemon.port} (WebSocket ws://localhost:${daemon.port}${WS_PATH})`);
  out(`Data folder: ${dataDir}`);
  out('Pair a plugin: run `imagic pair` and paste the code it prints into the plugin.');
  if (models.length === 0) {
    out('');
    out(`No model installed (looked in ${modelsDir(dataDir)}).`);
    out(`  ${errorCodes.NO_MODEL}`);
  } else {
    out(`Models: ${models.join(', ')}`);
  }
  out('Press Ctrl+C to stop.');

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      // Back to the default handlers, so a second Ctrl+C during a slow shutdown kills the process.
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  stderrLogger.info(`${signal}: shutting down`);
  await daemon.closeAsync();
  out('Imagic companion stopped.');
}
