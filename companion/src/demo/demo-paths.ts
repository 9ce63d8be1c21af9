// Where the demo's files live in the repository: the committed package and the (git-ignored) training checkpoint.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The committed demo package, the model used when none is configured. */
export const DEMO_PACKAGE_DIR = join(REPO_ROOT, 'models', 'demo');
export const DEMO_CHECKPOINT = join(REPO_ROOT, '.cache', 'demo-train', 'checkpoint.bin');
