// CLI entry: only wires the command table to commander. One subcommand per file in ./commands.
import { Command } from 'commander';
import { commands } from './commands/index.ts';
import { printCliError } from './cli-error.ts';

const program = new Command('imagic')
  .description('Imagic companion: local daemon and tools for text-based image editing on your own GPU')
  .showHelpAfterError();

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = printCliError(err);
}
