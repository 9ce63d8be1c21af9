// `npm run bench -- autodiff [--sd15] [--latent=N] [--repeat=N]`: forward ms, forward+backward ms with respect to
// encoder_hidden_states and to rank-4 attention adapters, their ratios to the forward, and peak RSS. Every case
// runs in its own process, so each peak RSS is that case's own. The target: forward+backward ≤ 2.5×
// forward (PyTorch autograd on this architecture: 2.3× at 16×16 latents, 3.1× at 32×32).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sd15UNetConfig, tinyUNetConfig, unetInputShapes, type UNetConfig } from '../model-builder/unet-config.ts';
import { writeUNetPackage } from '../model-builder/unet-package.ts';
import { countUNetParameters } from '../model-builder/unet-parameters.ts';
import type { CaseMode, CaseResult } from './measure-case.ts';

const BENCH_BIN = fileURLToPath(new URL('../../bin/bench.mjs', import.meta.url));
const CACHE = resolve(fileURLToPath(new URL('../../../.cache/bench', import.meta.url)));
const MODES: readonly CaseMode[] = ['forward', 'grad-ehs', 'grad-lora'];

function runCase(modelPath: string, mode: CaseMode, repeat: number, shapes: Record<string, number[]>): Promise<CaseResult> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BENCH_BIN, '__case', modelPath, mode, String(repeat), JSON.stringify(shapes)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) fail(new Error(`bench case ${mode} exited ${code}: ${out}`));
      else ok(JSON.parse(line) as CaseResult);
    });
  });
}

const flagValue = (flags: ReadonlySet<string>, name: string): number | undefined => {
  for (const f of flags) if (f.startsWith(`--${name}=`)) return Number(f.slice(name.length + 3));
  return undefined;
};

async function benchConfig(label: string, config: UNetConfig, repeat: number, external: boolean): Promise<Record<string, unknown>> {
  const dir = join(CACHE, label);
  const modelPath = join(dir, 'model.onnx');
  if (!existsSync(modelPath)) {
    process.stdout.write(`writing ${label} (${(countUNetParameters(config) / 1e6).toFixed(1)}M parameters) to ${dir} …\n`);
    await writeUNetPackage(config, dir, { external });
  }
  const results: Partial<Record<CaseMode, CaseResult>> = {};
  for (const mode of MODES) results[mode] = await runCase(modelPath, mode, repeat, unetInputShapes(config));
  // Ratios use each case's fastest run: on a shared machine, contention only ever adds time, so the minimum is
  // the least noisy estimate of the cost itself. Medians are printed beside them.
  const fwd = results.forward!.min_ms;
  process.stdout.write(`\n${label}: ${(countUNetParameters(config) / 1e6).toFixed(1)}M params, latent ${config.latentSize}×${config.latentSize}, ${config.sequenceLength} tokens, opset ${config.opset}\n`);
  process.stdout.write('  case                              min ms  median ms   ×forward   peak RSS MB   nodes   trainable   session ms\n');
  for (const mode of MODES) {
    const r = results[mode]!;
    const name = { forward: 'forward', 'grad-ehs': 'fwd+bwd wrt encoder_hidden_states', 'grad-lora': 'fwd+bwd wrt rank-4 attention LoRA' }[mode];
    process.stdout.write(
      `  ${name.padEnd(34)}${r.min_ms.toFixed(1).padStart(8)}${r.median_ms.toFixed(1).padStart(11)}${(r.min_ms / fwd).toFixed(2).padStart(11)}${r.peak_rss_mb.toFixed(0).padStart(14)}${String(r.nodes).padStart(8)}${String(r.trainable).padStart(12)}${r.session_ms.toFixed(0).padStart(13)}\n`,
    );
  }
  return {
    config: label,
    forward_ms: fwd,
    grad_ehs_ms: results['grad-ehs']!.min_ms,
    grad_lora_ms: results['grad-lora']!.min_ms,
    ratio_ehs: results['grad-ehs']!.min_ms / fwd,
    ratio_lora: results['grad-lora']!.min_ms / fwd,
    peak_rss_mb: Object.fromEntries(MODES.map((m) => [m, Math.round(results[m]!.peak_rss_mb)])),
  };
}

export async function autodiffBench(flags: ReadonlySet<string>): Promise<void> {
  const repeat = flagValue(flags, 'repeat') ?? 5;
  const summary: Record<string, unknown>[] = [];
  summary.push(await benchConfig('tiny-unet', tinyUNetConfig(), repeat * 4, false));
  summary.push(await benchConfig('sd-style-small-16', tinyUNetConfig({ blockOutChannels: [64, 128, 256], layersPerBlock: 2, attentionHeads: 8, crossAttentionDim: 256, sequenceLength: 77, latentSize: 16, normGroups: 32 }), repeat, false));
  if (flags.has('--sd15')) {
    const latent = flagValue(flags, 'latent') ?? 64;
    summary.push(await benchConfig(`sd15-latent${latent}`, sd15UNetConfig({ latentSize: latent }), repeat, true));
  } else {
    process.stdout.write('\n(add --sd15 [--latent=16|32|64] for the SD 1.5-shaped UNet: ~3.4 GB of disk under .cache/bench and minutes of CPU)\n');
  }
  process.stdout.write(`\n${JSON.stringify({ suite: 'autodiff', results: summary })}\n`);
}
