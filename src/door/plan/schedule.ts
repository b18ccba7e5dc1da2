/**
 * Whether a `[[buttons.schedule]]` entry is in force at an instant, read on
 * the wall clock of the configured zone (issue 15).
 *
 * The rule, DST included: an entry is in force from the first instant the
 * clock shows `from` on one of its `days` until the first instant after
 * that it shows `to` (on the same day, or the next when `to` <= `from`: the
 * entry wraps midnight, and its days are the days it starts on; `from` =
 * `to` is 24 hours). So:
 * - a time the clock skips when DST starts (02:30 on 29 Mar 2026 in
 *   Europe/Berlin) is the moment it jumps to (03:00): an entry from 02:30
 *   starts at 03:00, one until 02:30 ends at 03:00;
 * - a time the clock shows twice when DST ends (02:30 on 25 Oct 2026 in
 *   Europe/Berlin) is its first occurrence: an entry 22:00–02:30 ends at
 *   the first 02:30 and does not come back at the second; one from 02:30
 *   runs on through the repeated hour.
 */
import { DAY_NAMES } from '../../config/schema.js';
import { firstInstantAt, wallTime, weekdayOf } from './zone-time.js';

export interface ScheduleTimes {
  days: readonly string[];
  from: string;
  to: string;
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** `["mon-fri", "sun"]` → weekdays 0 (Monday) … 6; a range like "fri-mon" wraps past Sunday. */
export function weekdaysOf(days: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const d of days) {
    const [a = -1, b = a] = d.split('-').map((n) => DAY_NAMES.indexOf(n as (typeof DAY_NAMES)[number]));
    if (a < 0 || b < 0) throw new Error(`not a day or range of days: ${JSON.stringify(d)}`);
    for (let i = a; ; i = (i + 1) % 7) {
      out.add(i);
      if (i === b) break;
    }
  }
  return out;
}

/** `zone` "" is the system's zone. */
export function inForce(entry: ScheduleTimes, at: Date, zone: string): boolean {
  const t = at.getTime();
  const now = wallTime(at, zone);
  const days = weekdaysOf(entry.days);
  const [from, to] = [minutesOf(entry.from), minutesOf(entry.to)];
  const wraps = to <= from;
  // An entry that wraps may have started yesterday.
  for (const day of wraps ? [now.day, now.day - 1] : [now.day]) {
    if (!days.has(weekdayOf(day))) continue;
    const start = firstInstantAt(day, from, zone);
    const end = firstInstantAt(wraps ? day + 1 : day, to, zone);
    if (start <= t && t < end) return true;
  }
  return false;
}
