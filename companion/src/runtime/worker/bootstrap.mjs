// Worker entry: the engine's sources are TypeScript run through tsx, so the worker registers tsx's loader in its
// own thread first (as companion/bin/imagic.mjs does for the main thread), then loads the worker module.
import { register } from 'tsx/esm/api';

register();
await import('./session-worker.ts');
