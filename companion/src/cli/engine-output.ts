// How `imagic edit` and `imagic render` talk to the terminal: a progress bar per stage when stdout is a TTY (and
// not --json), progress lines otherwise (one every few seconds and one per finished stage, so a piped run never goes
// silent for minutes), and with --json exactly one JSON object as the last stdout line. Both show one estimate of the
// whole edit's time left (engine/progress-estimate.ts). Ctrl+C cancels between steps (CANCELLED) instead of killing
// a worker mid-run.
import cliProgress from 'cli-progress';
import type { JobReport } from './edit-runs.ts';
import type { ProgressEvent, RunHooks, Stage } from '../engine/progress.ts';

const STAGE_LABELS: Readonly<Record<Stage, string>> = {
  load: 'loading model',
  encode: 'encoding',
  embed: 'stage 1: embedding',
  finetune: 'stage 2: fine-tuning',
  sample: 'stage 3: sampling',
  learn: 'learning the word',
};

/** A piped run's progress lines: at most one per this many ms, besides each stage's last. */
const PIPED_LINE_EVERY_MS = 5000;

/** "about 42 s left", "about 3 min left"; nothing until the engine has an estimate. */
export function timeLeft(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  return seconds < 90
    ? `about ${Math.max(1, Math.round(seconds))} s left`
    : `about ${Math.round(seconds / 60)} min left`;
}

export interface OutputView {
  readonly hooks: RunHooks;
  finish(report: JobReport): void;
  dispose(): void;
}

export function createOutputView(options: { json: boolean; verbose?: boolean }): OutputView {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const useBar = process.stdout.isTTY === true && !options.json;
  let bar: cliProgress.SingleBar | undefined;
  let current: Stage | undefined;
  let lastEvent: ProgressEvent | undefined;

  let closed = true;
  let lastLineAt = 0;
  const line = (e: ProgressEvent) =>
    [
      `${STAGE_LABELS[e.stage]}: ${e.step}/${e.total}`,
      ...(e.loss === undefined ? [] : [`loss ${e.loss.toPrecision(4)}`]),
      ...(e.secondsLeft === undefined ? [] : [timeLeft(e.secondsLeft)]),
    ].join(' · ');
  const closeStage = () => {
    if (closed) return;
    closed = true;
    bar?.stop();
    bar = undefined;
    if (!useBar && !options.json && lastEvent && current) out(line(lastEvent));
  };

  const onProgress = (event: ProgressEvent) => {
    if (event.stage !== current) {
      closeStage();
      closed = false;
      current = event.stage;
      if (useBar && event.total > 1) {
        bar = new cliProgress.SingleBar(
          {
            format: `${STAGE_LABELS[event.stage].padEnd(22)} {bar} {value}/{total} {loss} · {duration_formatted} {left}`,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(event.total, 0, { loss: '', left: '' });
      }
    }
    lastEvent = event;
    bar?.update(event.step, {
      loss: event.loss === undefined ? '' : `loss ${event.loss.toPrecision(4)}`,
      left: event.secondsLeft === undefined ? '' : `· ${timeLeft(event.secondsLeft)} (whole edit)`,
    });
    const now = performance.now();
    if (!useBar && !options.json && event.step < event.total && now - lastLineAt >= PIPED_LINE_EVERY_MS) {
      lastLineAt = now;
      out(line(event));
    }
    // Close at the last step: the next stage may first spend a while building its graph.
    if (event.step === event.total) closeStage();
  };

  return {
    hooks: {
      onProgress,
      signal: controller.signal,
      onWarning: (message) => process.stderr.write(`warning: ${message}\n`),
    },
    finish(report) {
      closeStage();
      if (options.json) {
        out(JSON.stringify(report));
        return;
      }
      // One line says what ran; why (what auto tried and measured, each failure's reason) is for --verbose.
      const what = report.edit_id === null ? `quick edit at strength ${report.strength}` : `edit ${report.edit_id}`;
      out(`${what} on ${report.provider}${options.verbose ? ` (${report.provider_reason})` : ' (--verbose says why)'}`);
      out(
        `timing (ms): ${Object.entries(report.timing_ms)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
      const c = report.cost;
      out(
        `UNet work (forward passes): stage 1 ${c.embed}, stage 2 ${c.finetune}, sampling ${c.sample}, total ${c.total}`,
      );
      for (const o of report.outputs) out(`η ${o.eta} · seed ${o.seed} → ${o.file}`);
      if (report.edit_id !== null)
        out(`re-render with other η or seeds: imagic render ${report.edit_id} --eta 0.6,0.8 --seeds 1,2`);
    },
    dispose() {
      bar?.stop();
      process.off('SIGINT', onSigint);
    },
  };
}
