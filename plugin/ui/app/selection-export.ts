// Asks the document side for the selected layers' pixels (`selection.export`) and waits for its answer. One export is
// in flight at a time: a newer one replaces it (its caller is told so). Edits and learn jobs both start with one.
import type { ExportedSource, ExportPurpose } from '../../../shared/src/bridge/messages.ts';
import type { MainLink } from '../main-bridge.ts';

type Pending = { resolve(sources: ExportedSource[]): void; reject(error: Error): void };

export class SelectionExport {
  private pending: Pending | null = null;

  constructor(private readonly link: MainLink) {}

  exportAsync(purpose: ExportPurpose): Promise<ExportedSource[]> {
    this.pending?.reject(new Error('A newer export replaced this one.'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.link.post({ type: 'selection.export', purpose });
    });
  }

  /** The document side's answer. */
  exported(sources: ExportedSource[]): void {
    this.pending?.resolve(sources);
    this.pending = null;
  }

  /** The document side's refusal, or a cancel. */
  failed(message: string): void {
    this.pending?.reject(new Error(message));
    this.pending = null;
  }
}
