// Models that ship with the companion, in the repository's models/ folder: the demo model the project trains itself
// (models/demo, issue 5), so that a fresh install edits images before anything is downloaded. They are read-only:
// never removed, and a model installed in the data folder under the same id takes precedence.
// IMAGIC_BUNDLED_MODELS names another folder of bundled models; set to the empty string, there are none (the test
// suites use this to exercise the "no model at all" paths).
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelId } from '../../../shared/src/protocol/companion-info.ts';

export const BUNDLED_MODELS_ENV = 'IMAGIC_BUNDLED_MODELS';
const REPO_MODELS_DIR = fileURLToPath(new URL('../../../models/', import.meta.url));

export interface BundledModel {
  readonly id: string;
  readonly dir: string;
}

export function bundledModelsDir(): string | null {
  const configured = process.env[BUNDLED_MODELS_ENV];
  if (configured === '') return null;
  return path.resolve(configured ?? REPO_MODELS_DIR);
}

/** Bundled packages (folders holding model_index.json), sorted by id; none when the folder is absent or disabled. */
export async function findBundledModelsAsync(): Promise<BundledModel[]> {
  const root = bundledModelsDir();
  if (root === null) return [];
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: BundledModel[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !ModelId.safeParse(entry.name).success) continue;
    const dir = path.join(root, entry.name);
    try {
      await access(path.join(dir, 'model_index.json'));
      found.push({ id: entry.name, dir });
    } catch {
      // Not a package (a README folder, a half-copied model): not offered.
    }
  }
  return found.sort((a, b) => a.id.localeCompare(b.id));
}
