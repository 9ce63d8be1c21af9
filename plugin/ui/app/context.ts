// What the panel's controllers share: the state, the link to the document side, the jobs, and the companion.
import { errorCodes } from '../../../shared/src/protocol/error-codes.ts';
import type { SamplingSettings } from '../../../shared/src/protocol/edit-request.ts';
import { DaemonRequestError } from '../daemon/daemon-client.ts';
import type { EditService } from '../daemon/edit-service.ts';
import type { MainLink } from '../main-bridge.ts';
import { gridEtas } from '../state/etas.ts';
import type { EditRun, PanelState } from '../state/panel-state.ts';
import { PRESETS } from '../state/presets.ts';
import { patchRun } from '../state/runs.ts';
import type { JobRegistry } from './job-registry.ts';
import type { Store } from './store.ts';

export type AppContext = {
  store: Store<PanelState>;
  link: MainLink;
  registry: JobRegistry;
  /** The companion when connected and paired, else null. */
  service(): EditService | null;
  /** The seeds in use: drawn when an edit starts or the seeds field changes, reused by every re-render. */
  seeds: number[];
};

export const updateRun = (
  ctx: AppContext,
  runId: number,
  patch: Partial<EditRun> | ((run: EditRun) => Partial<EditRun>),
): void => ctx.store.update((s) => ({ runs: patchRun(s.runs, runId, patch) }));

export const findRun = (ctx: AppContext, runId: number): EditRun | undefined =>
  ctx.store.state.runs.find((r) => r.id === runId);

export const notice = (ctx: AppContext, text: string, isError = false): void =>
  ctx.store.update({ notice: { text, isError } });

/** A failure as one line the user can act on: the code's hint for companion errors. */
export function describeError(err: unknown): string {
  if (err instanceof DaemonRequestError) return `${err.message}. ${errorCodes[err.code]}`;
  return err instanceof Error ? err.message : String(err);
}

/** Sampling for the current panel settings at η; `steps` overrides the preset's (previews). */
export function samplingFor(
  state: PanelState,
  seeds: number[],
  eta: number,
  options: { grid: boolean; steps?: number },
): SamplingSettings {
  const preset = PRESETS[state.preset];
  return {
    etas: options.grid ? gridEtas(eta, state.varyEta) : [gridEtas(eta, false)[0] ?? eta],
    seeds: options.grid ? seeds : seeds.slice(0, 1),
    steps: options.steps ?? preset.steps,
    // No guidance scale: the companion uses the model's recommended one (imagic_settings.json), else the preset's.
    sampler: preset.sampler,
  };
}

export function requireService(ctx: AppContext): EditService {
  const service = ctx.service();
  if (service === null) throw new DaemonRequestError('COMPANION_UNREACHABLE', 'not connected to the companion');
  return service;
}
