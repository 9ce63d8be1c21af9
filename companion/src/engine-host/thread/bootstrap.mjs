// Engine thread entry: the sources are TypeScript run through tsx, so the thread registers tsx's loader first (as
// companion/bin/imagic.mjs does for the main thread), then loads the worker module.
import { register } from 'tsx/esm/api';

register();
await import('./engine-worker.ts');
