// Child process of the WebGPU tier: what `auto` learns about WebGPU here (SwiftShader), as one JSON line.
import { probeProviderAsync } from '../../../companion/src/runtime/worker/provider-probe.ts';

const result = await probeProviderAsync('webgpu');
process.stdout.write(`${JSON.stringify({ ...result, runtimeDir: process.env['XDG_RUNTIME_DIR'] ?? null })}\n`);
