#!/usr/bin/env node
// The companion runs its TypeScript sources directly through tsx, so `npx imagic` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
