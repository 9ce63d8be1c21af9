#!/usr/bin/env node
// `npm run bench -- <suite> [flags]`: benchmarks that print figures and ratios (never timed tests).
import { register } from 'tsx/esm/api';

register();
await import('../src/bench/main.ts');
