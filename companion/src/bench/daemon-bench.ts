// `npm run bench -- daemon [--quick]`: the companion as a user runs it (`imagic serve` in a child process, the
// tiny model, the engine on cpu), measured from a client over loopback:
//   1. event-loop lag of the daemon's main thread during an edit (from the job's own lag histogram, which the
//      journal records); goal p99 ≤ 50 ms;
//   2. the round trip of a 2048×2048 RGBA layer (upload → decode → queue → engine → encode → write → download)
//      minus the engine's compute, for raw RGBA8 (Photoshop) and PNG (Figma); goal ≤ 300 ms.
import { randomBytes, createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeBinaryFrame } from '../../../shared/src/protocol/binary-frame.ts';
import type { EditRequest } from '../../../shared/src/protocol/edit-request.ts';
import { writeTinyPackage } from '../fixtures/tiny-package.ts';
import type { RgbaImage } from '../images/decode-image.ts';
import { encodePng } from '../images/model-input.ts';
import { jobsDir } from '../jobs/job-journal.ts';
import type { JobRecord } from '../jobs/job-record.ts';
import { loadOrCreatePairingTokenAsync } from '../pairing/pairing-token.ts';
import { Rng } from '../util/rng.ts';
import { BenchClient, spawnServeAsync } from './bench-client.ts';

type Steps = { embedSteps: number; tuneSteps: number; steps: number };

const out = (line: string) => process.stdout.write(`${line}\n`);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** A photo-like layer: smooth gradients, a few soft shapes, mild grain, a transparent margin. */
function layer(side: number): RgbaImage {
  const rng = new Rng(7);
  const rgba = new Uint8Array(side * side * 4);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = (y * side + x) * 4;
      const u = x / side;
      const v = y / side;
      const wave = 30 * Math.sin(u * 9 + Math.cos(v * 7)) * Math.cos(v * 5);
      const grain = (rng.uniform() - 0.5) * 10;
      rgba[i] = Math.max(0, Math.min(255, 60 + 150 * u + wave + grain));
      rgba[i + 1] = Math.max(0, Math.min(255, 80 + 120 * v - wave + grain));
      rgba[i + 2] = Math.max(0, Math.min(255, 140 + 60 * Math.sin(u * 3) + grain));
      rgba[i + 3] = u < 0.02 ? 0 : 255;
    }
  }
  return { width: side, height: side, rgba };
}

async function editAsync(
  client: BenchClient,
  dataDir: string,
  picture: RgbaImage,
  format: 'png' | 'rgba8',
  steps: Steps,
): Promise<{ roundTripMs: number; record: JobRecord }> {
  const payload = format === 'png' ? await encodePng(picture.rgba, picture.width, picture.height) : picture.rgba;
  const frameId = randomBytes(16).toString('hex');
  const frame = encodeBinaryFrame({
    kind: 'upload',
    id: frameId,
    index: 0,
    width: picture.width,
    height: picture.height,
    format,
    payload,
  });
  if (!frame.ok) throw new Error(frame.message);
  const request: EditRequest = {
    image: {
      frameId,
      sha256: createHash('sha256').update(payload).digest('hex'),
      width: picture.width,
      height: picture.height,
    },
    prompt: 'a photo of a cat',
    preset: 'fast',
    fineTune: {
      embedSteps: steps.embedSteps,
      embedLr: 1e-3,
      tuneSteps: steps.tuneSteps,
      tuneLr: 1e-3,
      adapterRank: 0,
      adapterTargets: [],
    },
    sampling: { etas: [0.7], seeds: [1], steps: steps.steps, guidanceScale: 3, sampler: 'ddim' },
    workingResolutionPx: 512,
  };
  const t0 = performance.now();
  client.sendFrame(frame.value);
  const queued = await client.requestAsync({ type: 'edit.start', request });
  if (queued.type !== 'job.queued') throw new Error(`expected job.queued, got ${queued.type}`);
  const end = await client.nextMessageAsync(
    (m) => (m.type === 'job.result' || m.type === 'job.error') && m.jobId === queued.jobId,
  );
  if (end.type !== 'job.result') throw new Error(`the edit failed: ${JSON.stringify(end)}`);
  for (const _ of end.outputs) await client.nextFrameAsync();
  const roundTripMs = performance.now() - t0;
  const record = JSON.parse(await readFile(join(jobsDir(dataDir), `${queued.jobId}.json`), 'utf8')) as JobRecord;
  return { roundTripMs, record };
}

export async function daemonBench(flags: ReadonlySet<string>): Promise<void> {
  const runs = flags.has('--quick') ? 2 : 5;
  const dataDir = await mkdtemp(join(tmpdir(), 'imagic-bench-daemon-'));
  const started: {
    child?: Awaited<ReturnType<typeof spawnServeAsync>>['child'];
    client?: BenchClient;
    zeroMask?: BenchClient;
  } = {};
  try {
    await writeTinyPackage(join(dataDir, 'models', 'tiny'));
    const serve = await spawnServeAsync(dataDir);
    started.child = serve.child;
    const client = await BenchClient.connectAsync(serve.port, await loadOrCreatePairingTokenAsync(dataDir));
    started.client = client;
    out(`daemon bench: imagic serve on port ${serve.port}, tiny model, engine on cpu, ${runs} runs per round trip`);
    await editAsync(client, dataDir, layer(64), 'png', { embedSteps: 1, tuneSteps: 1, steps: 1 }); // loads the model

    const lagSteps = { embedSteps: 60, tuneSteps: 60, steps: 20 };
    const { record: lag, roundTripMs: lagRun } = await editAsync(client, dataDir, layer(512), 'png', lagSteps);
    const t = lag.timingMs;
    out('');
    out(
      `event-loop lag during an edit (${(lagRun / 1000).toFixed(1)} s, ${lagSteps.embedSteps}+${lagSteps.tuneSteps} training + ${lagSteps.steps} sampling steps):`,
    );
    out(
      `  p50 ${ms(t['lagP50Ms'] ?? NaN)} · p99 ${ms(t['lagP99Ms'] ?? NaN)} · max ${ms(t['lagMaxMs'] ?? NaN)}   goal p99 ≤ 50 ms: ${(t['lagP99Ms'] ?? Infinity) <= 50 ? 'met' : 'MISSED'}`,
    );

    const minimal = { embedSteps: 1, tuneSteps: 1, steps: 1 };
    const picture = layer(2048);
    const zeroMask = await BenchClient.connectAsync(serve.port, await loadOrCreatePairingTokenAsync(dataDir), {
      zeroMask: true,
    });
    started.zeroMask = zeroMask;
    out('');
    out('round trip of a 2048×2048 RGBA layer, excluding model compute (medians):');
    out(
      '  upload (masking)        round trip    engine   overhead   (decode  queue  encode  write  transport+protocol)',
    );
    const cases = [
      { label: 'rgba8 (JS masking)', client, format: 'rgba8' },
      { label: 'rgba8 (zero mask)', client: zeroMask, format: 'rgba8' },
      { label: 'png (JS masking)', client, format: 'png' },
      { label: 'png (zero mask)', client: zeroMask, format: 'png' },
    ] as const;
    for (const c of cases) {
      const samples: { roundTripMs: number; record: JobRecord }[] = [];
      for (let i = 0; i < runs; i++) samples.push(await editAsync(c.client, dataDir, picture, c.format, minimal));
      const pick = (key: string) => median(samples.map((s) => s.record.timingMs[key] ?? 0));
      const roundTrip = median(samples.map((s) => s.roundTripMs));
      const overhead = median(samples.map((s) => s.roundTripMs - (s.record.timingMs['engine'] ?? 0)));
      const known = pick('decode') + pick('queued') + pick('encode') + pick('write');
      out(
        `  ${c.label.padEnd(20)}  ${ms(roundTrip).padStart(10)}  ${ms(pick('engine')).padStart(8)}  ${ms(overhead).padStart(9)}   (${ms(pick('decode'))}  ${ms(pick('queued'))}  ${ms(pick('encode'))}  ${ms(pick('write'))}  ${ms(overhead - known)})   goal ≤ 300 ms: ${overhead <= 300 ? 'met' : 'MISSED'}`,
      );
    }
  } finally {
    started.client?.close();
    started.zeroMask?.close();
    if (started.child) {
      const exited = new Promise((resolve) => started.child?.once('exit', resolve));
      started.child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  }
}
