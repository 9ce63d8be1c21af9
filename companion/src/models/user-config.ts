// The user's persisted settings, <data-dir>/config.json: for now the default model. Unknown keys are kept when it
// is rewritten, so a newer companion's settings survive an older one; a damaged file is reported, not overwritten.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as z from 'zod';
import { ModelId } from '../../../shared/src/protocol/companion-info.ts';
import { fail } from '../errors.ts';
import { writeFileAtomicAsync } from '../util/atomic-write.ts';

const UserConfig = z.looseObject({ defaultModel: ModelId.optional() });
export type UserConfig = z.infer<typeof UserConfig>;

export const userConfigPath = (dataDir: string): string => path.join(dataDir, 'config.json');

export async function readUserConfigAsync(dataDir: string): Promise<UserConfig> {
  const file = userConfigPath(dataDir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return {};
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail('INVALID_SPEC', `${file} is not valid JSON; fix or delete it`, err);
  }
  const parsed = UserConfig.safeParse(raw);
  if (!parsed.success) return fail('INVALID_SPEC', `${file}: ${parsed.error.issues[0]?.message ?? 'invalid'}; fix or delete it`);
  return parsed.data;
}

export async function updateUserConfigAsync(dataDir: string, update: (config: UserConfig) => UserConfig): Promise<UserConfig> {
  const next = update(await readUserConfigAsync(dataDir));
  await writeFileAtomicAsync(userConfigPath(dataDir), `${JSON.stringify(next, null, 2)}\n`);
  return next;
}
