/**
 * Retry delays after a failed registration: doubling from `min` to `max`,
 * with ±20 % jitter so that many door stations behind one proxy that
 * restarted do not all come back in the same second (RFC 5626 §4.5 uses
 * the same idea for flow recovery).
 */
export class Backoff {
  private failures = 0;

  constructor(
    private readonly min = 2_000,
    private readonly max = 300_000,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    const base = Math.min(this.max, this.min * 2 ** this.failures);
    this.failures++;
    return Math.round(base * (0.8 + 0.4 * this.random()));
  }

  reset(): void {
    this.failures = 0;
  }

  get count(): number {
    return this.failures;
  }
}
