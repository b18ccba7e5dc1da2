/**
 * Schedules on the wall clock of Europe/Berlin around the DST changes of
 * 2026 (29 Mar: 02:00 CET → 03:00 CEST at 01:00 UTC; 25 Oct: 03:00 CEST →
 * 02:00 CET at 01:00 UTC), midnight-wrapping entries and day ranges, with
 * fixed instants.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../../src/config/load.js';
import { effectiveButtons } from '../../../../src/config/buttons.js';
import { planInForce } from '../../../../src/door/plan/call-plan.js';
import { inForce, weekdaysOf } from '../../../../src/door/plan/schedule.js';
import { firstInstantAt, wallTime } from '../../../../src/door/plan/zone-time.js';

const BERLIN = 'Europe/Berlin';
const at = (iso: string) => new Date(iso);
const on = (days: string[], from: string, to: string, iso: string, zone = BERLIN) => inForce({ days, from, to }, at(iso), zone);

describe('zone-time', () => {
  it('reads the wall clock and weekday in the zone', () => {
    expect(wallTime(at('2026-03-29T00:59:00Z'), BERLIN)).toMatchObject({ minute: 1 * 60 + 59, weekday: 6 }); // Sunday 01:59 CET
    expect(wallTime(at('2026-03-29T01:00:00Z'), BERLIN)).toMatchObject({ minute: 3 * 60, weekday: 6 }); // 03:00 CEST
    expect(wallTime(at('2026-10-25T00:30:00Z'), BERLIN).minute).toBe(2 * 60 + 30); // first 02:30 (CEST)
    expect(wallTime(at('2026-10-25T01:30:00Z'), BERLIN).minute).toBe(2 * 60 + 30); // second 02:30 (CET)
    expect(wallTime(at('2026-12-03T15:00:00Z'), 'UTC')).toMatchObject({ minute: 15 * 60, weekday: 3 }); // a Thursday
  });

  it('a skipped time is the instant the clock jumps to; a repeated one its first occurrence', () => {
    const mar29 = wallTime(at('2026-03-29T12:00:00Z'), BERLIN).day;
    const oct25 = wallTime(at('2026-10-25T12:00:00Z'), BERLIN).day;
    expect(new Date(firstInstantAt(mar29, 2 * 60 + 30, BERLIN)).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(new Date(firstInstantAt(mar29, 3 * 60 + 30, BERLIN)).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(firstInstantAt(mar29, 1 * 60 + 30, BERLIN)).toISOString()).toBe('2026-03-29T00:30:00.000Z');
    expect(new Date(firstInstantAt(oct25, 2 * 60 + 30, BERLIN)).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(new Date(firstInstantAt(oct25, 3 * 60 + 30, BERLIN)).toISOString()).toBe('2026-10-25T02:30:00.000Z');
  });
});

describe('schedule entries', () => {
  it('day ranges, single days and ranges wrapping past Sunday', () => {
    expect([...weekdaysOf(['mon-fri'])].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...weekdaysOf(['sat-sun', 'wed'])].sort()).toEqual([2, 5, 6]);
    expect([...weekdaysOf(['fri-mon'])].sort()).toEqual([0, 4, 5, 6]);
    // Thursday 3 Dec 2026, 16:00 Berlin.
    expect(on(['mon-fri'], '08:00', '18:00', '2026-12-03T15:00:00Z')).toBe(true);
    expect(on(['sat-sun'], '08:00', '18:00', '2026-12-03T15:00:00Z')).toBe(false);
    expect(on(['mon-fri'], '08:00', '18:00', '2026-12-03T17:00:00Z')).toBe(false); // 18:00: `to` is not in force
    expect(on(['mon-fri'], '08:00', '18:00', '2026-12-03T07:00:00Z')).toBe(true); // 08:00: `from` is
  });

  it('an entry that wraps midnight belongs to the day it starts on', () => {
    // Friday 4 Dec 22:00 → Saturday 5 Dec 07:00 (Berlin = UTC+1 in December).
    expect(on(['fri'], '22:00', '07:00', '2026-12-04T21:30:00Z')).toBe(true); // Fri 22:30
    expect(on(['fri'], '22:00', '07:00', '2026-12-05T05:59:00Z')).toBe(true); // Sat 06:59
    expect(on(['fri'], '22:00', '07:00', '2026-12-05T06:00:00Z')).toBe(false); // Sat 07:00
    expect(on(['fri'], '22:00', '07:00', '2026-12-05T21:30:00Z')).toBe(false); // Sat 22:30
    expect(on(['sat'], '22:00', '07:00', '2026-12-05T05:00:00Z')).toBe(false); // Sat 06:00 is Friday night's
    expect(on(['mon-sun'], '12:00', '12:00', '2026-12-05T05:00:00Z')).toBe(true); // from = to: all day
  });

  it('DST starts (29 Mar 2026): an entry from the skipped 02:30 starts at 03:00, one until 02:30 ends there', () => {
    expect(on(['sun'], '02:30', '06:00', '2026-03-29T00:59:00Z')).toBe(false); // 01:59 CET
    expect(on(['sun'], '02:30', '06:00', '2026-03-29T01:00:00Z')).toBe(true); // 03:00 CEST
    expect(on(['sat'], '22:00', '02:30', '2026-03-29T00:59:00Z')).toBe(true); // 01:59 CET
    expect(on(['sat'], '22:00', '02:30', '2026-03-29T01:00:00Z')).toBe(false); // 03:00 CEST
    // 22:00 – 07:00 lasts 8 hours that night, and holds from its first to its last minute.
    expect(on(['sat'], '22:00', '07:00', '2026-03-28T20:59:00Z')).toBe(false);
    expect(on(['sat'], '22:00', '07:00', '2026-03-28T21:00:00Z')).toBe(true);
    expect(on(['sat'], '22:00', '07:00', '2026-03-29T04:59:00Z')).toBe(true); // 06:59 CEST
    expect(on(['sat'], '22:00', '07:00', '2026-03-29T05:00:00Z')).toBe(false); // 07:00 CEST
  });

  it('DST ends (25 Oct 2026): a repeated 02:30 is its first occurrence', () => {
    // 22:00 – 02:30 ends at the first 02:30 and does not come back for the second.
    expect(on(['sat'], '22:00', '02:30', '2026-10-25T00:29:00Z')).toBe(true); // 02:29 CEST
    expect(on(['sat'], '22:00', '02:30', '2026-10-25T00:30:00Z')).toBe(false); // first 02:30
    expect(on(['sat'], '22:00', '02:30', '2026-10-25T01:15:00Z')).toBe(false); // 02:15 CET, the repeated hour
    // From 02:30 on runs through the repeated hour without a gap.
    for (const iso of ['2026-10-25T00:30:00Z', '2026-10-25T00:59:00Z', '2026-10-25T01:00:00Z', '2026-10-25T01:29:00Z', '2026-10-25T04:59:00Z'])
      expect(on(['sun'], '02:30', '06:00', iso), iso).toBe(true);
    expect(on(['sun'], '02:30', '06:00', '2026-10-25T05:00:00Z')).toBe(false); // 06:00 CET
  });

  it('an empty zone is the system zone', () => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const now = new Date();
    expect(wallTime(now, '')).toEqual(wallTime(now, zone));
  });
});

describe('the plan in force', () => {
  const config = parseConfig({
    call: { targets: ['sip:everyone@house'], timezone: BERLIN, ring_timeout: 20 },
    buttons: [
      {
        name: 'flat-1',
        line: 5,
        targets: ['sip:flat1@house'],
        schedule: [
          { name: 'night', days: ['mon-sun'], from: '22:00', to: '07:00', targets: ['sip:phone@house'], ring_timeout: 60 },
          { days: ['sat-sun'], from: '07:00', to: '22:00', targets: ['sip:family@house'], mode: 'sequential' },
        ],
      },
      { name: 'flat-2', line: 6 },
    ],
  });
  const [flat1, flat2] = effectiveButtons(config);

  it('the first entry in force wins; none: the button plan, keys it leaves unset from [call]', () => {
    expect(planInForce(flat1!, config.call, at('2026-12-03T22:00:00Z'))).toEqual({
      button: 'flat-1', name: 'night', targets: ['sip:phone@house'], mode: 'parallel', ring_timeout: 60, early_media: 'video',
    });
    expect(planInForce(flat1!, config.call, at('2026-12-05T10:00:00Z'))).toMatchObject({ name: 'schedule-2', targets: ['sip:family@house'], mode: 'sequential', ring_timeout: 20 });
    expect(planInForce(flat1!, config.call, at('2026-12-03T10:00:00Z'))).toMatchObject({ name: 'default', targets: ['sip:flat1@house'], ring_timeout: 20 });
    expect(planInForce(flat2!, config.call, at('2026-12-03T10:00:00Z'))).toMatchObject({ button: 'flat-2', name: 'default', targets: ['sip:everyone@house'] });
  });

  it('without [[buttons]]: one button named "button" with the plan of [call]', () => {
    const single = parseConfig({ gpio: { button: 4, button_active_low: false }, call: { targets: ['sip:a@b'] } });
    const [b] = effectiveButtons(single);
    expect(b).toMatchObject({ name: 'button', line: 4, active_low: false, single: true });
    expect(planInForce(b!, single.call, new Date())).toMatchObject({ name: 'default', targets: ['sip:a@b'], mode: 'parallel' });
  });
});
