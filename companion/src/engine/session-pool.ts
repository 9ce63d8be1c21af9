// The engine's sessions: one worker thread, one session per model graph, created on first use and reused. The
// first session chooses the execution provider (provider-choice.ts); later ones use that provider, with cpu as
// their fallback, and any fallback is added to the report.
import type { SessionOptions } from '../runtime/ort-session.ts';
import { openWithProviderAsync, type ProviderReport, type ProviderSetting } from '../runtime/worker/provider-choice.ts';
import type { SessionSource } from '../runtime/worker/rpc.ts';
import { SessionHost, type RemoteSession } from '../runtime/worker/session-host.ts';

/** 'memory': opened with SessionOptions.lowMemory (large training graphs); 'speed': onnxruntime's defaults. */
export type SessionKind = 'speed' | 'memory';

/** How a session is opened: its kind, and the outputs a loop keeps on the device (SessionOptions.deviceOutputs). */
export interface OpenAs {
  readonly kind?: SessionKind;
  readonly deviceOutputs?: readonly string[];
}

export interface SessionPoolOptions {
  readonly provider: ProviderSetting;
  readonly intraOpThreads?: number;
}

export class SessionPool {
  private readonly host = new SessionHost();
  private readonly sessions = new Map<string, Promise<RemoteSession>>();
  private readonly groups = new Map<string, string[]>();
  private chosen: ProviderReport | undefined;

  constructor(private readonly options: SessionPoolOptions) {}

  /** The provider report; set once the first session exists. */
  get provider(): ProviderReport | undefined {
    return this.chosen;
  }

  /**
   * The session for `key`, opening it from `source` the first time (`source` is called again for each provider
   * retry). With a group, at most `keep` sessions of that group stay open: opening another releases the oldest.
   */
  async getAsync(
    key: string,
    source: () => SessionSource,
    limit?: { readonly group: string; readonly keep: number },
    as: OpenAs = {},
  ): Promise<RemoteSession> {
    const existing = this.sessions.get(key);
    if (existing) return existing;
    if (limit) {
      const members = this.groups.get(limit.group) ?? [];
      while (members.length >= limit.keep) await this.releaseAsync(members.shift()!);
      this.groups.set(limit.group, [...members, key]);
    }
    const opening = this.open(key, source, as);
    this.sessions.set(key, opening);
    opening.catch(() => this.sessions.delete(key));
    return opening;
  }

  async releaseAsync(key: string): Promise<void> {
    const session = this.sessions.get(key);
    if (!session) return;
    this.sessions.delete(key);
    await (await session).releaseAsync();
  }

  async closeAsync(): Promise<void> {
    this.sessions.clear();
    await this.host.closeAsync();
  }

  private async open(key: string, source: () => SessionSource, as: OpenAs): Promise<RemoteSession> {
    const options: Omit<SessionOptions, 'provider'> = {
      ...(this.options.intraOpThreads ? { intraOpThreads: this.options.intraOpThreads } : {}),
      ...(as.kind === 'memory' ? { lowMemory: true } : {}),
      ...(as.deviceOutputs ? { deviceOutputs: as.deviceOutputs } : {}),
    };
    const setting = this.chosen?.provider ?? this.options.provider;
    const { session, report } = await openWithProviderAsync(this.host, source, setting, options);
    if (!this.chosen) this.chosen = report;
    else if (report.provider !== this.chosen.provider) {
      this.chosen = {
        ...this.chosen,
        reason: `${this.chosen.reason}; ${key} runs on ${report.provider} (${report.reason})`,
      };
    }
    return session;
  }
}
