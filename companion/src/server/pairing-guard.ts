// Limits failed pairing attempts across all sockets. The code has 256 bits, so guessing is hopeless anyway; the
// limit bounds what a flood of bad `hello`s (e.g. from a sandboxed iframe on some web page) costs in CPU and log
// lines. While blocked, a wrong code gets RATE_LIMITED and is not logged; the right code still pairs (session.ts), so
// a page flooding wrong codes slows only itself, never the designer's plugin. The block lifts once the window holds
// fewer failures.

export type PairingGuardOptions = { maxFailures: number; windowMs: number; now?: () => number };

export class PairingGuard {
  private failures: number[] = [];
  private readonly now: () => number;

  constructor(private readonly options: PairingGuardOptions) {
    if (!(options.maxFailures >= 1) || !(options.windowMs > 0))
      throw new RangeError('maxFailures must be ≥ 1 and windowMs > 0');
    this.now = options.now ?? Date.now;
  }

  isBlocked(): boolean {
    this.forgetOld();
    return this.failures.length >= this.options.maxFailures;
  }

  recordFailure(): void {
    this.forgetOld();
    this.failures.push(this.now());
  }

  private forgetOld(): void {
    const cutoff = this.now() - this.options.windowMs;
    this.failures = this.failures.filter((t) => t > cutoff);
  }
}
