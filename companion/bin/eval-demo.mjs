#!/usr/bin/env node
// `npm run eval:demo`: measures the demo model and prints JSON (companion/src/demo/eval-main.ts).
import { register } from 'tsx/esm/api';

register();
await import('../src/demo/eval-main.ts');
