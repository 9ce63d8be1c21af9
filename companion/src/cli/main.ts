// CLI entry: only wires the command table to commander. One subcommand per file in ./commands.
import { Command } from 'commander';
import { commands } from './commands/index.ts';
import { printCliError } from './cli-error.ts';

// Everything the companion writes is private to the user: saved edits hold input images, prompts and embeddings, and
// a data folder that already existed (or an --out folder) may be readable by others. Files 0600, folders 0700.
process.umask(0o077);

const program = new Command('imagic')
  .description('Imagic companion: local daemon and tools for text-based image editing on your own GPU')
  .showHelpAfterError();

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = printCliError(err);
}
