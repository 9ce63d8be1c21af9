// The WebGPU provider on a machine without a GPU: onnxruntime-node's Dawn over SwiftShader, the software Vulkan driver
// Debian's chromium package ships, with the Vulkan loader beside it (chromium does not depend on libvulkan1). Exact and ~500× slower than the CPU provider:
// for placement and correctness on tiny graphs, never for speed. The Vulkan loader reads its environment when the
// process starts, so the tier runs its checks in child processes with `env()`.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** True when the tier must be skipped; says why and how to run it. CI installs chromium, so there it must run. */
export function skipWebGpuTests(): boolean {
  if (existsSync(SWIFTSHADER_ICD)) return false;
  if (process.env['CI'])
    throw new Error(`${SWIFTSHADER_ICD} is missing; CI must install chromium (tests/browser/.needs-chromium)`);
  process.stderr.write(
    `SKIPPING WebGPU tests: ${SWIFTSHADER_ICD} (SwiftShader, from Debian's chromium package) is missing. To run them, install Chromium (Debian/Ubuntu: \`sudo apt-get install -y chromium\`) and run \`npm test\` again.\n`,
  );
  return true;
}

/** Environment for a child process whose WebGPU adapter is SwiftShader. */
export async function swiftShaderEnvAsync(): Promise<NodeJS.ProcessEnv> {
  const runtimeDir = await mkdtemp(join(tmpdir(), 'imagic-xdg-'));
  // Dawn opens libvulkan.so.1 by name: chromium's own copy, unless the system has one.
  const loader = dirname(SWIFTSHADER_ICD);
  return {
    ...process.env,
    VK_ICD_FILENAMES: SWIFTSHADER_ICD,
    XDG_RUNTIME_DIR: runtimeDir,
    LD_LIBRARY_PATH: [process.env['LD_LIBRARY_PATH'], loader].filter(Boolean).join(':'),
  };
}
