/**
 * A log line per kind of refusal that cannot flood the journal (issue 12):
 * the first occurrence is written at once, later ones within the interval
 * are only counted, and one summary line per interval says how many there
 * were and what the last one was. A flood of N refusals over T seconds
 * writes at most 1 + T/interval lines.
 */
import type { Logger } from './logger.js';

export class SummaryLog {
  private count = 0;
  private last = '';
  private window: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    /** Plural noun for the summary: "refused requests", "refused connections". */
    private readonly what: string,
    private readonly intervalMs = 60_000,
  ) {}

  note(line: string): void {
    if (this.window) {
      this.count++;
      this.last = line;
      return;
    }
    this.log.warn(line);
    this.open();
  }

  /** Lines written and counted so far are forgotten; no timer is left behind. */
  dispose(): void {
    clearTimeout(this.window);
    this.window = undefined;
    this.count = 0;
  }

  private open(): void {
    this.window = setTimeout(() => this.flush(), this.intervalMs);
    this.window.unref();
  }

  private flush(): void {
    this.window = undefined;
    if (this.count === 0) return;
    this.log.warn(`${this.count} more ${this.what} in the last ${Math.round(this.intervalMs / 1000)} s; the last: ${this.last}`);
    this.count = 0;
    // Keep counting: while the flood lasts, one line per interval.
    this.open();
  }
}
