/**
 * RFC 3261 §17.1.1.1 and Table 4: T1 is the RTT estimate, T2 the longest
 * retransmit interval for non-INVITE requests and INVITE responses, T4 how
 * long a message may stay in the network. Every timer of §17 derives from
 * them, so tests and odd networks can scale all of them at once.
 */
export interface TimerValues {
  T1: number;
  T2: number;
  T4: number;
}

export const DEFAULT_TIMERS: TimerValues = { T1: 500, T2: 4000, T4: 5000 };

/** Timer D (§17.1.1.2): "at least 32 seconds for unreliable transports". */
export const TIMER_D_UNRELIABLE = 32_000;

/** A named one-shot timer that is easy to cancel together with its siblings. */
export class TimerSet {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  start(name: string, ms: number, fire: () => void): void {
    this.stop(name);
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        fire();
      }, ms),
    );
  }

  stop(name: string): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
  }

  has(name: string): boolean {
    return this.timers.has(name);
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
