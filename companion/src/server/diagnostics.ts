// "Collect diagnostics": one JSON document a user can attach to a bug report. It holds versions, settings, models,
// status, recent jobs and errors, and the last log lines; never the pairing code (every occurrence is replaced)
// and never prompts (only their length), since prompts are the user's content.
import { createRequire } from 'node:module';
import os from 'node:os';
import { PROTOCOL_VERSION } from '../../../shared/src/protocol/version.ts';
import { listModelsAsync } from '../models/model-store.ts';
import { readUserConfigAsync } from '../models/user-config.ts';
import { toJobSummary } from '../jobs/job-record.ts';
import type { DaemonServices } from './handlers/handler.ts';
import type { LogTail } from './log-tail.ts';

export type DiagnosticsInput = {
  services: DaemonServices;
  tail: LogTail;
  token: string;
  settings: Record<string, unknown>;
};

const require = createRequire(import.meta.url);
const RECENT_JOBS = 20;

function packageVersion(name: string): string {
  try {
    const pkg = require(`${name}/package.json`) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch (err) {
    return `unreadable (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
}

export async function buildDiagnosticsAsync({ services, tail, token, settings }: DiagnosticsInput): Promise<string> {
  const status = await services.engine.status();
  const report = {
    generatedAt: new Date().toISOString(),
    companion: { version: services.companionVersion, protocolVersion: PROTOCOL_VERSION },
    runtime: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      osRelease: os.release(),
      cpus: { model: os.cpus()[0]?.model ?? 'unknown', count: os.cpus().length },
      memoryMiB: {
        total: Math.round(os.totalmem() / 2 ** 20),
        free: Math.round(os.freemem() / 2 ** 20),
        rss: Math.round(process.memoryUsage().rss / 2 ** 20),
      },
      uptimeS: Math.round(process.uptime()),
    },
    packages: Object.fromEntries(
      ['onnxruntime-node', 'sharp', 'ws', 'express', 'zod'].map((name) => [name, packageVersion(name)]),
    ),
    settings,
    userConfig: await readUserConfigAsync(services.dataDir),
    status: {
      ...status,
      queue: services.queue.counts(),
      paused: services.queue.isPaused,
      eventLoop: services.eventLoop.lag(),
    },
    models: await listModelsAsync(services.dataDir),
    recentJobs: services.journal
      .list()
      .slice(0, RECENT_JOBS)
      .map((record) => ({
        ...toJobSummary(record),
        prompt: record.prompt === null ? null : `(${record.prompt.length} characters)`,
        timingMs: record.timingMs,
      })),
    recentErrors: services.recentErrors.list(),
    log: tail.list(),
  };
  return JSON.stringify(report, null, 2).replaceAll(token, '[pairing code removed]');
}
