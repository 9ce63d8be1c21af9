// The install a newcomer runs: `npm ci` must not download onnxruntime's CUDA libraries (hundreds of MB, useless
// without an NVIDIA GPU), and the setting that prevents it must be one npm knows, so that no npm or npx command warns
// about it and the next npm keeps honouring it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const npm = (args: string[]) =>
  promisify(execFile)('npm', args, { cwd: ROOT, env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: '' } });

describe("the project's npm settings (.npmrc)", () => {
  it("turn dependencies' install scripts off with a setting npm knows, without a warning", async () => {
    const { stdout, stderr } = await npm(['config', 'get', 'ignore-scripts']);
    expect(stdout.trim()).toBe('true');
    expect(stderr).not.toMatch(/Unknown (project|user|env) config/);
  });
});
