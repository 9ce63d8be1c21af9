// `imagic serve`: runs the companion until SIGINT/SIGTERM (or the tray's Quit). Startup prints where it listens,
// the dashboard, how to pair, and, when no model is installed, how to get one, so a first run tells the user every
// next step. Every setting has a flag and an environment variable; the flag wins.
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_PORT, WS_PATH } from '../../../../shared/src/protocol/defaults.ts';
import { errorCodes } from '../../../../shared/src/protocol/error-codes.ts';
import { defaultDaemonOptions, LOOPBACK_HOST } from '../../config.ts';
import { stderrLogger } from '../../log.ts';
import { listModelsAsync, modelsDir } from '../../models/model-store.ts';
import { loadOrCreatePairingTokenAsync } from '../../pairing/pairing-token.ts';
import { startDaemonAsync } from '../../server/daemon.ts';
import { teeLogger } from '../../server/log-tail.ts';
import { RotatingLogFile } from '../../server/rotating-log-file.ts';
import { attachTrayAsync } from '../../tray/daemon-tray.ts';
import { isTrayMode, type TrayMode } from '../../tray/start-tray.ts';
import { COMPANION_VERSION } from '../../version.ts';
import { dataDirFromFlag, dataDirOption } from '../data-dir-option.ts';
import { parseProvider } from '../engine-flags.ts';
import { quote, runnableCommand } from '../runnable-command.ts';

type ServeOptions = { port: number; dataDir?: string; logDir?: string; provider?: string; tray: string };

const parsePort = (value: string): number => {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('expected an integer in 0..65535 (0 picks a free port)');
  return port;
};

const parseTray = (value: string): TrayMode => {
  if (!isTrayMode(value)) throw new InvalidArgumentError('expected auto, on or off');
  return value;
};

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(`Run the companion daemon on ${LOOPBACK_HOST} for the Figma and Photoshop plugins`)
    .addOption(
      new Option('--port <n>', 'port to listen on (0 picks a free one; the Figma plugin expects the default)')
        .env('IMAGIC_PORT')
        .argParser(parsePort)
        .default(DEFAULT_PORT),
    )
    .addOption(dataDirOption())
    .addOption(
      new Option('--log-dir <dir>', 'folder for companion.log and its rotations (default: <data-dir>/logs)').env(
        'IMAGIC_LOG_DIR',
      ),
    )
    .addOption(new Option('--provider <name>', 'execution provider: auto (default), cuda, dml, coreml, webgpu, cpu'))
    .addOption(
      new Option('--tray <mode>', 'tray icon: auto (Windows and macOS), on (try everywhere), off')
        .env('IMAGIC_TRAY')
        .argParser(parseTray)
        .default('auto'),
    )
    .action(async (options: ServeOptions) => serveAsync(options));
}

async function serveAsync(options: ServeOptions): Promise<void> {
  const dataDir = dataDirFromFlag(options.dataDir);
  const logDir = path.resolve(options.logDir ?? path.join(dataDir, 'logs'));
  const logFile = new RotatingLogFile({ dir: logDir });
  const logger = teeLogger(stderrLogger, [(line) => logFile.write(line)]);
  const provider = parseProvider(options.provider);
  const daemon = await startDaemonAsync({
    ...defaultDaemonOptions,
    port: options.port,
    dataDir,
    logger,
    logDir,
    ...(provider ? { provider } : {}),
  });
  const models = await listModelsAsync(dataDir);
  const out = (line: string) => process.stdout.write(`${line}\n`);

  out(
    `Imagic companion ${COMPANION_VERSION} listening on http://localhost:${daemon.port} (WebSocket ws://localhost:${daemon.port}${WS_PATH})`,
  );
  out(`Dashboard: ${daemon.url}`);
  out(`Data folder: ${dataDir} · logs: ${logFile.file}`);
  // On an interactive terminal (npm start), the code itself: it is the user's own screen, as `imagic pair`'s is.
  if (process.stdout.isTTY)
    out(`Pairing code (paste it into the plugin): ${await loadOrCreatePairingTokenAsync(dataDir)}`);
  else
    out(
      `Pair a plugin: run \`${runnableCommand(options.dataDir ? `pair --data-dir ${quote(dataDir)}` : 'pair')}\` and paste the code it prints into the plugin.`,
    );
  if (models.length === 0) {
    out('');
    out(`No model installed (looked in ${modelsDir(dataDir)}).`);
    out(`  ${errorCodes.NO_MODEL}`);
  } else {
    out(`Models: ${models.map((m) => `${m.modelId}${m.isDefault ? ' (default)' : ''}`).join(', ')}`);
  }
  out('Press Ctrl+C to stop.');

  let quit: (reason: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => {
    const stop = (reason: string) => {
      // Back to the default handlers, so a second Ctrl+C during a slow shutdown kills the process.
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(reason);
    };
    quit = stop;
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // Not awaited before serving: the daemon already answers while the tray starts (or times out).
  const tray = attachTrayAsync(daemon, {
    mode: options.tray as TrayMode,
    token: await loadOrCreatePairingTokenAsync(dataDir),
    logger,
    quit: () => quit('quit from the tray'),
  });

  const reason = await stopped;
  logger.info(`${reason}: shutting down`);
  await (await tray).closeAsync();
  await daemon.closeAsync();
  logFile.close();
  out('Imagic companion stopped.');
}
