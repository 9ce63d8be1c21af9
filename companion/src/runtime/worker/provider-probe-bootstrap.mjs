// Entry of the provider probe's child process (provider-probe.ts): registers tsx's loader, resolved from this file
// rather than from the current folder (the companion may be started from anywhere), then runs the probe.
import { register } from 'tsx/esm/api';

register();
await import('./provider-probe-child.ts');
