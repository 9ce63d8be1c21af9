// `imagic pair`: prints the code the plugin needs, creating it on first use. The code is the last line of output,
// so scripts can take it with `tail -n 1`.
import type { Command } from 'commander';
import { loadOrCreatePairingTokenAsync, pairingTokenPath } from '../../pairing/pairing-token.ts';
import { dataDirFromFlag, dataDirOption } from '../data-dir-option.ts';

type PairOptions = { dataDir?: string; reset?: boolean };

export function registerPair(program: Command): void {
  program
    .command('pair')
    .description('Print the pairing code to paste into the Imagic plugin (created on first use)')
    .addOption(dataDirOption())
    .option('--reset', 'replace the code; plugins paired with the old one must be paired again')
    .action(async (options: PairOptions) => {
      const dataDir = dataDirFromFlag(options.dataDir);
      const token = await loadOrCreatePairingTokenAsync(dataDir, { reset: options.reset === true });
      process.stdout.write(
        `${options.reset === true ? 'New pairing' : 'Pairing'} code for the Imagic plugin (stored in ${pairingTokenPath(dataDir)}; keep it private):\n${token}\n`,
      );
    });
}
