// The command table: adding a subcommand = adding a row.
import type { Command } from 'commander';
import { registerGrad } from './grad.ts';
import { registerPair } from './pair.ts';
import { registerServe } from './serve.ts';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [registerServe, registerPair, registerGrad];
