// The command table: adding a subcommand = adding a row.
import type { Command } from 'commander';
import { registerEdit } from './edit.ts';
import { registerEdits } from './edits.ts';
import { registerGrad } from './grad.ts';
import { registerLearn } from './learn.ts';
import { registerLearned } from './learned.ts';
import { registerModels } from './models.ts';
import { registerPair } from './pair.ts';
import { registerRender } from './render.ts';
import { registerServe } from './serve.ts';

export type RegisterCommand = (program: Command) => void;

export const commands: readonly RegisterCommand[] = [
  registerServe,
  registerPair,
  registerGrad,
  registerEdit,
  registerRender,
  registerEdits,
  registerModels,
  registerLearn,
  registerLearned,
];
