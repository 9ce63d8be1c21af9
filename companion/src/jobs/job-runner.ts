// Runs one job through the engine and makes its results durable: engine → encode each output in the job's result
// format → write each to the journal's results folder (atomically). Only then does the queue mark the job done
// and send `job.result`, so a result a client was told about is always on disk. The job's timing records where
// the time went and how much the daemon's event loop lagged meanwhile.
import { maskPngAsync } from '../engine/edit-region.ts';
import type { OutputInfo } from '../../../shared/src/protocol/job-info.ts';
import type { EditEngine, RunControl } from '../engine-host/edit-engine.ts';
import type { JobJournal } from './job-journal.ts';
import type { ActiveJob, JobExecutor, JobOutcome } from './job-queue.ts';
import { trackEventLoopLag } from './lag-tracker.ts';
import { encodeOutputAsync } from './output-encoding.ts';

const elapsed = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

type ResultWriter = Pick<JobJournal, 'writeResultAsync' | 'writeMaskAsync'>;

async function runJobAsync(
  engine: EditEngine,
  journal: ResultWriter,
  job: ActiveJob,
  control: RunControl,
): Promise<JobOutcome> {
  const { editId, jobId, resultFormat } = job.record;
  let t0 = performance.now();
  const { spec } = job;
  const {
    outputs: images,
    cost,
    mask,
    learned,
  } = spec.kind === 'edit'
    ? await engine.startEditAsync(editId, spec.request, spec.image, control, spec.region)
    : spec.kind === 'render'
      ? await engine.renderAsync(editId, spec.sampling, control, spec.region)
      : await engine.learnAsync(spec.request, spec.images, control);
  const engineMs = elapsed(t0);
  control.signal.throwIfAborted();

  t0 = performance.now();
  const payloads = await Promise.all(
    images.map((img) => encodeOutputAsync(img.rgba, img.width, img.height, resultFormat)),
  );
  const encodeMs = elapsed(t0);

  t0 = performance.now();
  const outputs: OutputInfo[] = [];
  for (const [index, img] of images.entries()) {
    const bytes = payloads[index]!;
    await journal.writeResultAsync(jobId, index, resultFormat, bytes);
    outputs.push({
      index,
      eta: img.eta,
      seed: img.seed,
      width: img.width,
      height: img.height,
      format: resultFormat,
      byteLength: bytes.length,
    });
  }
  const maskPng = mask && (await maskPngAsync(mask));
  if (maskPng) await journal.writeMaskAsync(jobId, maskPng);
  return {
    outputs,
    payloads,
    ...(cost ? { cost } : {}),
    ...(learned ? { learned } : {}),
    ...(mask && maskPng
      ? {
          mask: {
            info: { width: mask.width, height: mask.height, format: 'png' as const, byteLength: maskPng.length },
            payload: maskPng,
          },
        }
      : {}),
    timingMs: { engine: engineMs, encode: encodeMs, write: elapsed(t0) },
  };
}

export function createJobExecutor(engine: EditEngine, journal: ResultWriter): JobExecutor {
  return async (job, control) => {
    const stopLag = trackEventLoopLag();
    try {
      const outcome = await runJobAsync(engine, journal, job, control);
      return { ...outcome, timingMs: { ...outcome.timingMs, ...stopLag() } };
    } finally {
      stopLag();
    }
  };
}
