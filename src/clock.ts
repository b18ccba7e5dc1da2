/**
 * The daemon's one clock for what depends on the time of day (issue 15:
 * the buttons' schedules). DOORSTATION_CLOCK_START is a TEST HOOK: an ISO
 * 8601 instant (`2026-03-29T00:59:55Z`) at which the clock starts when the
 * daemon starts, running on in real time from there, so an interop test
 * can watch a schedule switch a few seconds after start. Unset: real time.
 * Timers and timeouts never use it (they measure durations, not dates).
 */
export type Clock = () => Date;

export const realClock: Clock = () => new Date();

export interface DaemonClock {
  now: Clock;
  /** Set when the test hook moved the clock: the daemon logs it, so it is never in force unseen. */
  notice?: string;
}

export function daemonClock(env: NodeJS.ProcessEnv = process.env): DaemonClock {
  const start = env['DOORSTATION_CLOCK_START'];
  if (!start) return { now: realClock };
  const at = Date.parse(start);
  // A full instant only: a date or a local time would depend on the zone the test runs in.
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(start) || Number.isNaN(at)) {
    return { now: realClock, notice: `DOORSTATION_CLOCK_START=${JSON.stringify(start)} is not an ISO 8601 instant such as "2026-03-29T00:59:55Z": ignored, the clock is real time` };
  }
  const offset = at - Date.now();
  return { now: () => new Date(Date.now() + offset), notice: `test clock: DOORSTATION_CLOCK_START starts the clock at ${new Date(at).toISOString()} (schedules follow it)` };
}
