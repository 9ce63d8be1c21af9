// Which execution provider runs the sessions. `auto` tries, in order, the providers onnxruntime-node lists for
// this platform (listSupportedBackends) that can actually create a session: cuda (its libraries are a separate
// download, docs/onnx.md §3.5), dml (Windows), coreml (macOS arm64), webgpu (bundled, experimental), then cpu.
// Providers that can land on a software adapter (webgpu, dml) are first timed against the CPU provider in a child
// process (provider-probe.ts), so `auto` never prefers SwiftShader, llvmpipe or WARP to the CPU. A named provider is
// used as asked, and falls back to cpu if it fails. Either way the caller gets a report saying what runs and why.
import { fail, ImagicError } from '../../errors.ts';
import type { Provider, SessionOptions } from '../ort-session.ts';
import type { SessionSource } from './rpc.ts';
import type { RemoteSession, SessionHost } from './session-host.ts';
import { probeProviderAsync, shortReason, type ProbeResult } from './provider-probe.ts';

export type ProviderSetting = Provider | 'auto';

export const PROVIDERS: readonly Provider[] = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'];
export const AUTO_ORDER: readonly Provider[] = PROVIDERS;

export interface ProviderReport {
  readonly provider: Provider;
  readonly reason: string;
}

/** Providers whose adapter may be a software rasteriser: auto measures them before using them. */
const PROBED: ReadonlySet<Provider> = new Set(['webgpu', 'dml']);

export const isProviderSetting = (value: string): value is ProviderSetting =>
  value === 'auto' || (PROVIDERS as readonly string[]).includes(value);

/** The providers to try, best first, for a setting and the names this build lists. */
export function providerCandidates(setting: ProviderSetting, listed: readonly string[]): Provider[] {
  if (setting !== 'auto') return setting === 'cpu' ? ['cpu'] : [setting, 'cpu'];
  return AUTO_ORDER.filter((p) => p === 'cpu' || listed.includes(p));
}

/**
 * Opens `source` with the first candidate that works. Probing sessions are quiet (onnxruntime logs only fatal
 * lines for them): a missing CUDA library is an expected outcome, reported in `reason`, not an error.
 */
export async function openWithProviderAsync(
  host: SessionHost,
  source: () => SessionSource,
  setting: ProviderSetting,
  options: Omit<SessionOptions, 'provider'> = {},
  probe: (provider: Provider) => Promise<ProbeResult> = probeProviderAsync,
): Promise<{ session: RemoteSession; report: ProviderReport }> {
  const listed = await host.backendsAsync();
  const candidates = providerCandidates(setting, listed);
  const skipped = setting === 'auto' ? AUTO_ORDER.filter((p) => !candidates.includes(p)) : [];
  const failures: string[] = [];
  for (const provider of candidates) {
    if (setting === 'auto' && PROBED.has(provider)) {
      const measured = await probe(provider);
      if (!measured.usable) {
        failures.push(measured.reason);
        continue;
      }
    }
    try {
      const session = await host.openAsync(source(), { ...options, provider, quiet: provider !== 'cpu' });
      const notes = [...(skipped.length ? [`not in this onnxruntime build: ${skipped.join(', ')}`] : []), ...failures];
      const head =
        setting === 'auto' ? `auto: first working provider of ${candidates.join(' > ')}` : `requested ${setting}`;
      return { session, report: { provider, reason: notes.length ? `${head}; ${notes.join('; ')}` : head } };
    } catch (err) {
      if (err instanceof ImagicError && err.code !== 'RUNTIME_FAILED') throw err;
      failures.push(`${provider} failed: ${shortReason(err)}`);
    }
  }
  return fail('RUNTIME_FAILED', `no execution provider could open the model: ${failures.join('; ')}`);
}
