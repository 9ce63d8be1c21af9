// The --data-dir option shared by commands that touch the companion's state.
import os from 'node:os';
import { Option } from 'commander';
import { resolveDataDir } from '../data-dir.ts';

export const dataDirOption = (): Option =>
  new Option(
    '--data-dir <dir>',
    'where the pairing code, models and edits live (default: $IMAGIC_DATA_DIR, else the per-user data folder)',
  );

export const dataDirFromFlag = (flag: string | undefined): string =>
  resolveDataDir({ flag, env: process.env, platform: process.platform, homeDir: os.homedir() });
