#!/usr/bin/env node
// `npm run train:demo`: trains the demo model on CPU (companion/src/demo/train-main.ts).
import { register } from 'tsx/esm/api';

register();
await import('../src/demo/train-main.ts');
