// `npm run bench -- autodiff [--sd15] [--latent=N] [--repeat=N] [--provider=P]`: per graph the engine runs (stage 1's
// training step: the gradient wrt the text embedding and an Adam update; stage 2's: wrt the engine's default adapters;
// sampling: one UNet pass, the guided pair as one batch-2 pass, and the engine's whole sampling step), its forward and training-step ms and their ratio,
// peak RSS, the estimated peak of live tensor bytes in fp32 and fp16 (graph/live-bytes.ts), nodes per provider, and
// host↔device bytes per step of the engine's loop (after its first step, which sends a stage's parameters up once).
// Every case runs in its own process, so each peak RSS is that case's own. Targets (the GPU issue): forward+backward
// ≤ 2.5× the forward; stage 1 and 2 ≤ 8.5 GiB RSS in fp32 on CPU and ≤ 5 GiB estimated in fp16.
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
const MODES: readonly CaseMode[] = ['forward', 'forward-cfg', 'sample-step', 'stage1', 'stage2'];

function runCase(
  modelPath: string,
  mode: CaseMode,
  repeat: number,
  shapes: Record<string, number[]>,
  provider: string,
): Promise<CaseResult> {
  return new Promise((ok, fail) => {
    const child = spawn(
      process.execPath,
      [BENCH_BIN, '__case', modelPath, mode, String(repeat), JSON.stringify(shapes), provider],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
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

const flagText = (flags: ReadonlySet<string>, name: string): string | undefined => {
  for (const f of flags) if (f.startsWith(`--${name}=`)) return f.slice(name.length + 3);
  return undefined;
};
const flagValue = (flags: ReadonlySet<string>, name: string): number | undefined => {
  const text = flagText(flags, name);
  return text === undefined ? undefined : Number(text);
};

const MiB = 2 ** 20;
const LABELS: Readonly<Record<CaseMode, string>> = {
  forward: 'sampling: UNet forward',
  'forward-cfg': 'sampling: guided pair as batch 2',
  'sample-step': 'sampling: step (pair + update)',
  stage1: 'stage 1: step (embedding, Adam)',
  stage2: 'stage 2: step (adapters, Adam)',
};

async function benchConfig(
  label: string,
  config: UNetConfig,
  repeat: number,
  external: boolean,
  provider: string,
): Promise<Record<string, unknown>> {
  const results: Partial<Record<CaseMode, CaseResult>> = {};
  for (const mode of MODES) {
    // The guided pair as one run needs a batch-2 UNet: a static export bakes its batch into the reshapes.
    const pair = mode === 'forward-cfg' || mode === 'sample-step';
    const variant = pair ? { ...config, batch: 2 } : config;
    const dir = join(CACHE, pair ? `${label}-batch2` : label);
    const modelPath = join(dir, 'model.onnx');
    if (!existsSync(modelPath)) {
      process.stdout.write(
        `writing ${label} (${(countUNetParameters(config) / 1e6).toFixed(1)}M parameters, batch ${variant.batch}) to ${dir} …\n`,
      );
      await writeUNetPackage(variant, dir, { external });
    }
    results[mode] = await runCase(modelPath, mode, repeat, unetInputShapes(variant), provider);
  }
  // Ratios use each case's fastest run: on a shared machine, contention only ever adds time, so the minimum is
  // the least noisy estimate of the cost itself. Medians are printed beside them.
  const fwd = results.forward!.min_ms;
  process.stdout.write(
    `\n${label}: ${(countUNetParameters(config) / 1e6).toFixed(1)}M params, latent ${config.latentSize}×${config.latentSize}, ${config.sequenceLength} tokens, opset ${config.opset}, provider ${provider}\n`,
  );
  process.stdout.write(
    '  graph                               min ms  median ms  ×forward  peak RSS MiB  est fp32 MiB  est fp16 MiB  host↔device MiB/step  nodes by provider\n',
  );
  for (const mode of MODES) {
    const r = results[mode]!;
    const placed = Object.entries(r.nodes_by_provider)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    process.stdout.write(
      `  ${LABELS[mode].padEnd(34)}${r.min_ms.toFixed(1).padStart(8)}${r.median_ms.toFixed(1).padStart(11)}${(r.min_ms / fwd).toFixed(2).padStart(10)}${r.peak_rss_mb.toFixed(0).padStart(14)}${(r.estimated_peak_bytes.fp32 / MiB).toFixed(0).padStart(14)}${(r.estimated_peak_bytes.fp16 / MiB).toFixed(0).padStart(14)}${(r.host_device_bytes / MiB).toFixed(2).padStart(22)}  ${placed}\n`,
    );
  }
  const cfg = results['forward-cfg']!.min_ms;
  const stepMs = results['sample-step']!.min_ms;
  process.stdout.write(
    `  guidance: one batch-2 pass ${cfg.toFixed(0)} ms vs two batch-1 passes ${(2 * fwd).toFixed(0)} ms (${(cfg / (2 * fwd)).toFixed(2)}×); the whole sampling step ${stepMs.toFixed(0)} ms (${(stepMs / cfg).toFixed(2)}× the pair)\n`,
  );
  return {
    config: label,
    provider,
    forward_ms: fwd,
    guided_pair_batch2_ms: cfg,
    sampling_step_ms: stepMs,
    stage1_ms: results.stage1!.min_ms,
    stage2_ms: results.stage2!.min_ms,
    ratio_stage1: results.stage1!.min_ms / fwd,
    ratio_stage2: results.stage2!.min_ms / fwd,
    peak_rss_mb: Object.fromEntries(MODES.map((m) => [m, Math.round(results[m]!.peak_rss_mb)])),
    estimated_peak_mib: Object.fromEntries(
      MODES.map((m) => [
        m,
        {
          fp32: Math.round(results[m]!.estimated_peak_bytes.fp32 / MiB),
          fp16: Math.round(results[m]!.estimated_peak_bytes.fp16 / MiB),
        },
      ]),
    ),
    nodes_by_provider: Object.fromEntries(MODES.map((m) => [m, results[m]!.nodes_by_provider])),
    host_device_bytes: Object.fromEntries(MODES.map((m) => [m, results[m]!.host_device_bytes])),
    first_step_bytes: Object.fromEntries(MODES.map((m) => [m, results[m]!.first_step_bytes])),
  };
}

export async function autodiffBench(flags: ReadonlySet<string>): Promise<void> {
  const repeat = flagValue(flags, 'repeat') ?? 5;
  const provider = flagText(flags, 'provider') ?? 'cpu';
  const summary: Record<string, unknown>[] = [];
  summary.push(await benchConfig('tiny-unet', tinyUNetConfig(), repeat * 4, false, provider));
  summary.push(
    await benchConfig(
      'sd-style-small-16',
      tinyUNetConfig({
        blockOutChannels: [64, 128, 256],
        layersPerBlock: 2,
        attentionHeads: 8,
        crossAttentionDim: 256,
        sequenceLength: 77,
        latentSize: 16,
        normGroups: 32,
      }),
      repeat,
      false,
      provider,
    ),
  );
  if (flags.has('--sd15')) {
    const latent = flagValue(flags, 'latent') ?? 64;
    summary.push(
      await benchConfig(`sd15-latent${latent}`, sd15UNetConfig({ latentSize: latent }), repeat, true, provider),
    );
  } else {
    process.stdout.write(
      '\n(add --sd15 [--latent=16|32|64] for the SD 1.5-shaped UNet: ~3.4 GB of disk under .cache/bench and minutes of CPU)\n',
    );
  }
  process.stdout.write(`\n${JSON.stringify({ suite: 'autodiff', results: summary })}\n`);
}
