/**
 * Issue 15 with the built daemon, the simulated GPIO and SIPp home screens:
 * two buttons ring two different screens (`press NAME` through the
 * debounced pin, `ring NAME`), and a schedule switches a button's targets
 * at its boundary: DOORSTATION_CLOCK_START starts the daemon's clock 15 s
 * before the night of 29 March 2026 in Europe/Berlin, when summer time
 * starts (02:00 CET → 03:00 CEST), so a schedule "from 02:30" (a time that
 * does not exist that night) takes over at the jump; a press before and a
 * press after it each reach their own screen.
 */
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.js';
import { converse } from '../../support/daemon.js';
import type { EventWatch, TimedEvent } from '../../support/events.js';
import { freePort } from '../../support/ports.js';
import { expectScenarioEnded, hasSipp, startSipp, type RunningSipp } from '../../support/sipp.js';
import { startWatchedDaemon } from '../../support/watched-daemon.js';
import { freeRtpRange } from '../../support/gst-ports.js';

describe.skipIf(!hasSipp)('buttons and schedules (issue 15)', () => {
  const cleanups = useCleanups();

  async function screen(): Promise<{ sipp: RunningSipp; uri: string }> {
    const port = await freePort();
    const sipp = startSipp('screen-busy', port);
    cleanups.push(() => sipp.kill());
    return { sipp, uri: `sip:screen@127.0.0.1:${port}` };
  }

  /** The ring-started of the next press, and its call's release (the door is free for the next). */
  async function ringOf(watch: EventWatch, from: number): Promise<TimedEvent> {
    const ring = await watch.next((e) => e.type === 'ring-started', 10_000, from);
    expect(ring, 'a ring-started event').toBeDefined();
    const released = await watch.next((e) => e.type === 'call-state-changed' && e.fields.Event === 'LinphoneCallReleased' && e.fields.Id === ring!.fields.Id, 15_000, from);
    expect(released, `call ${ring!.fields.Id} released`).toBeDefined();
    return ring!;
  }

  const invitedAt = (s: RunningSipp, uri: string) => new RegExp(`^INVITE ${uri.replace(/[.]/g, '\\.')} SIP/2\\.0`, 'm').test(s.trace());

  it('two buttons ring different screens: press NAME and ring NAME', async () => {
    const [one, two] = [await screen(), await screen()];
    const rtp = await freeRtpRange(8);
    const { d, watch } = await startWatchedDaemon(
      cleanups,
      `[media]\nrtp_ports = "${rtp}"\n` +
        `[[buttons]]\nname = "flat-1"\nline = 5\ntargets = ["${one.uri}"]\n` +
        `[[buttons]]\nname = "flat-2"\nline = 6\ntargets = ["${two.uri}"]\n`,
    );

    let from = watch.events.length;
    expect(await converse(d.socket, 'press flat-2\n', { until: (t) => t.endsWith('\n\n') })).toBe('Status: Ok\n\n');
    const pressed = await watch.next((e) => e.type === 'button-pressed', 5000, from);
    expect(pressed?.fields).toEqual({ Button: 'flat-2' });
    expect((await ringOf(watch, from)).fields).toEqual({ Id: '1', Button: 'flat-2', Plan: 'default', Mode: 'parallel', Targets: two.uri });
    await expectScenarioEnded(two.sipp);
    expect(invitedAt(two.sipp, two.uri)).toBe(true);

    from = watch.events.length;
    expect(await converse(d.socket, 'ring flat-1\n')).toBe('Status: Ok\n\nId: 2\n\n');
    expect((await ringOf(watch, from)).fields).toMatchObject({ Button: 'flat-1', Plan: 'default', Targets: one.uri });
    await expectScenarioEnded(one.sipp);
    expect(invitedAt(one.sipp, one.uri)).toBe(true);

    expect(await converse(d.socket, 'ring flat-3\n')).toBe('Status: Error\nReason: No button named "flat-3"; the buttons are: flat-1, flat-2.\n\n');
    expect(await converse(d.socket, 'press flat-3\n')).toBe('Status: Error\nReason: No button named "flat-3"; the buttons are: flat-1, flat-2.\n\n');
    expect(d.output()).toMatch(/button flat-2 pressed: plan default → targets sip:screen@127\.0\.0\.1:\d+/);
    expect(d.output()).toMatch(/flat-1 GPIO 5 \(active low\), flat-2 GPIO 6 \(active low\)/);
  });

  it('a schedule switches the targets at its boundary (DST start in Europe/Berlin, by DOORSTATION_CLOCK_START)', async () => {
    const [day, night] = [await screen(), await screen()];
    const rtp = await freeRtpRange(8);
    const LEAD_MS = 15_000;
    const spawned = Date.now();
    const { d, watch } = await startWatchedDaemon(
      cleanups,
      `[media]\nrtp_ports = "${rtp}"\n[call]\ntimezone = "Europe/Berlin"\n` +
        `[[buttons]]\nname = "flat-1"\nline = 5\ntargets = ["${day.uri}"]\n` +
        `[[buttons.schedule]]\nname = "early"\ndays = ["sun"]\nfrom = "02:30"\nto = "06:00"\ntargets = ["${night.uri}"]\n`,
      // 01:59:45 CET; at 02:00 the clock jumps to 03:00 CEST, past the "02:30" that does not exist that night.
      { env: { DOORSTATION_CLOCK_START: new Date(Date.parse('2026-03-29T01:00:00Z') - LEAD_MS).toISOString() } },
    );
    expect(d.output()).toMatch(/test clock: DOORSTATION_CLOCK_START starts the clock at 2026-03-29T00:59:45\.000Z/);
    // The door's clock is at most (now - spawned) past its start: before the jump while that is under LEAD_MS.
    if (Date.now() - spawned > LEAD_MS - 3000) throw new Error('the daemon took too long to start for a press before the boundary');
    let from = watch.events.length;
    expect(await converse(d.socket, 'press flat-1\n', { until: (t) => t.endsWith('\n\n') })).toBe('Status: Ok\n\n');
    expect((await ringOf(watch, from)).fields).toMatchObject({ Button: 'flat-1', Plan: 'default', Targets: day.uri });
    await expectScenarioEnded(day.sipp);
    expect(invitedAt(day.sipp, day.uri)).toBe(true);

    // The daemon's clock started no earlier than `spawned`: LEAD_MS later it is past the boundary for sure.
    const wait = spawned + LEAD_MS + 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    from = watch.events.length;
    expect(await converse(d.socket, 'press flat-1\n', { until: (t) => t.endsWith('\n\n') })).toBe('Status: Ok\n\n');
    expect((await ringOf(watch, from)).fields).toMatchObject({ Button: 'flat-1', Plan: 'early', Targets: night.uri });
    await expectScenarioEnded(night.sipp);
    expect(invitedAt(night.sipp, night.uri)).toBe(true);
    expect(d.output()).toMatch(/button flat-1 pressed: plan early → targets /);
  }, 60_000);
});
