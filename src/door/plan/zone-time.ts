/**
 * Wall-clock time in an IANA zone, with Intl only (no tz library: Node
 * carries the tz database in its ICU). A local date is a day number (days
 * since 1970-01-01 as a calendar date, zone-free); `firstInstantAt` turns a
 * local date and time back into an instant, DST included.
 */

export interface WallTime {
  /** Days since 1970-01-01 of the local calendar date. */
  day: number;
  /** Minutes since local midnight as the clock on the wall shows them (0 – 1439). */
  minute: number;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const formats = new Map<string, Intl.DateTimeFormat>();

/** `zone` "" is the system's zone (TZ, /etc/localtime), as Intl takes an absent timeZone. */
function format(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      ...(zone ? { timeZone: zone } : {}),
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(zone, f);
  }
  return f;
}

/** The wall clock as minutes since 1970-01-01 00:00 of the same calendar (local time read as if UTC). */
function wallMinutes(at: number, zone: string): number {
  const p: Record<string, number> = {};
  for (const part of format(zone).formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!) / MINUTE;
}

/** The weekday of local date `day`, 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday: 3). */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

export function wallTime(at: Date, zone: string): WallTime {
  const m = wallMinutes(at.getTime(), zone);
  const day = Math.floor(m / 1440);
  return { day, minute: m - day * 1440, weekday: weekdayOf(day) };
}

/**
 * The first instant at which the wall clock of `zone` shows `minute` of
 * local date `day`, or, when that time does not exist (the hour skipped when
 * DST starts), the first instant it shows a later time: "02:30" on the
 * spring-forward day is the 03:00 the clock jumps to. A time that happens
 * twice (the hour repeated when DST ends) is its first occurrence.
 */
export function firstInstantAt(day: number, minute: number, zone: string): number {
  const wall = day * 1440 + minute;
  // The offsets a day either side: a zone changes its offset at most once in that span.
  const offsets = [...new Set([wall * MINUTE - DAY, wall * MINUTE + DAY].map((t) => wallMinutes(t, zone) - t / MINUTE))];
  const candidates = offsets.map((o) => (wall - o) * MINUTE).sort((a, b) => a - b);
  for (const t of candidates) if (wallMinutes(t, zone) === wall) return t;
  // A gap: the clock jumps over `wall` between the two candidates; find the first minute it reads later.
  let [lo, hi] = [candidates[0]!, candidates[candidates.length - 1]!];
  while (hi - lo > MINUTE) {
    const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE;
    if (wallMinutes(mid, zone) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}
