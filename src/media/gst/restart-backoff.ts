/**
 * Delays between restarts of a failing source: doubling from `firstMs` up
 * to `maxMs`, back to the start once a run has lasted `stableMs` (a camera
 * that drops out once a day should come back at once, one that fails on
 * every start should not spin the CPU).
 */
export interface BackoffOptions {
  firstMs: number;
  maxMs: number;
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { firstMs: 500, maxMs: 30_000, stableMs: 10_000 };

export class RestartBackoff {
  private failures = 0;
  private upSince: number | undefined;

  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {}

  /** The pipeline is up (PLAYING) at `now`. */
  up(now: number): void {
    this.upSince = now;
  }

  /** It failed at `now`: how long to wait before the next start. */
  failed(now: number): number {
    if (this.upSince !== undefined && now - this.upSince >= this.opts.stableMs) this.failures = 0;
    this.upSince = undefined;
    const delay = Math.min(this.opts.maxMs, this.opts.firstMs * 2 ** this.failures);
    this.failures++;
    return delay;
  }

  /** Failures in a row so far. */
  get attempts(): number {
    return this.failures;
  }

  reset(): void {
    this.failures = 0;
    this.upSince = undefined;
  }
}
