// The last errors the companion reported, newest first, for `status` and the dashboard. Bounded, so a client
// that sends thousands of bad messages costs a fixed amount of memory.
import type { RecentError } from '../../../shared/src/protocol/companion-info.ts';
import type { ErrorCode } from '../../../shared/src/protocol/error-codes.ts';

export class RecentErrors {
  private readonly entries: RecentError[] = [];

  constructor(private readonly capacity = 20) {}

  add(code: ErrorCode, message: string): void {
    this.entries.unshift({ at: new Date().toISOString(), code, message: message.slice(0, 2000) });
    if (this.entries.length > this.capacity) this.entries.length = this.capacity;
  }

  list(): RecentError[] {
    return [...this.entries];
  }
}
