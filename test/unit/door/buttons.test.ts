/**
 * Issue 15: each button rings its own plan, the plan in force at the press
 * (by the door's clock), with the plan's mode and ring_timeout; the ring
 * event says which; a press during the door's call is ignored and logged
 * with the button's name. A real SIP stack on 127.0.0.1, scripted UDP screens.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RingStart } from '../../../src/door/door-station.js';
import { doorUnderTest, udpScreen, type DoorUnderTest, type UdpScreen } from '../../support/udp-screen.js';
import { until } from '../../support/wait.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function screen(status = 486): Promise<UdpScreen> {
  const s = await udpScreen([{ status }]);
  cleanups.push(() => s.close());
  return s;
}

async function door(...args: Parameters<typeof doorUnderTest>): Promise<DoorUnderTest> {
  const d = await doorUnderTest(...args);
  cleanups.push(() => d.stop());
  return d;
}

const invites = (s: UdpScreen) => s.requests.filter((r) => r.method === 'INVITE').length;
const released = (d: DoorUnderTest) => until('the call to end', () => d.station.current() === undefined);

describe('buttons and their plans', () => {
  it('two buttons ring their own screens; the ring event names button, plan and targets', async () => {
    const [a, b] = [await screen(), await screen()];
    const d = await door({ buttons: [{ name: 'flat-1', targets: [a.uri] }, { name: 'flat-2', targets: [b.uri] }] });
    const rings: RingStart[] = [];
    d.station.on('ring', (r) => rings.push(r));
    expect(d.station.buttonNames).toEqual(['flat-1', 'flat-2']);

    d.station.ring('flat-2');
    await until('flat-2 rings its screen', () => invites(b) === 1);
    await released(d);
    d.station.ring();
    await until('no name: the first button', () => invites(a) === 1);
    await released(d);
    expect(invites(b)).toBe(1);
    expect(rings.map(({ id, button, plan, mode, targets }) => ({ id, button, plan, mode, targets }))).toEqual([
      { id: 1, button: 'flat-2', plan: 'default', mode: 'parallel', targets: [b.uri] },
      { id: 2, button: 'flat-1', plan: 'default', mode: 'parallel', targets: [a.uri] },
    ]);
    expect(d.lines.join('\n')).toContain(`button flat-2 pressed: plan default → targets ${b.uri}`);
    expect(() => d.station.ring('nobody')).toThrow('No button named "nobody"; the buttons are: flat-1, flat-2.');
  });

  it('the schedule in force at the press picks the targets, by the door clock in call.timezone', async () => {
    const [day, night] = [await screen(), await screen()];
    let now = new Date('2026-12-03T20:59:59Z'); // 21:59:59 in Berlin
    const d = await door(
      {
        call: { timezone: 'Europe/Berlin' },
        buttons: [{ name: 'flat-1', targets: [day.uri], schedule: [{ name: 'night', from: '22:00', to: '07:00', targets: [night.uri] }] }],
      },
      () => now,
    );
    const rings: RingStart[] = [];
    d.station.on('ring', (r) => rings.push(r));
    d.station.ring('flat-1');
    await until('the day screen rings', () => invites(day) === 1);
    await released(d);
    now = new Date('2026-12-03T21:00:00Z');
    d.station.ring('flat-1');
    await until('the night screen rings', () => invites(night) === 1);
    expect(rings.map((r) => [r.plan, r.at.toISOString()])).toEqual([
      ['default', '2026-12-03T20:59:59.000Z'],
      ['night', '2026-12-03T21:00:00.000Z'],
    ]);
  });

  it('a plan’s ring_timeout and mode are the call’s', async () => {
    const [first, second] = [await screen(180), await screen(180)];
    const d = await door({ call: { ring_timeout: 60 }, buttons: [{ name: 'gate', targets: [first.uri, second.uri], mode: 'sequential', ring_timeout: 1 }] });
    d.station.ring('gate');
    await until('the first screen rings', () => invites(first) === 1);
    expect(invites(second)).toBe(0); // sequential: one at a time
    await until('after 1 s, the next screen', () => invites(second) === 1, 5000);
  });

  it('a press of any button while the door’s call rings is ignored and logged with its name', async () => {
    const a = await screen(180);
    const d = await door({ buttons: [{ name: 'flat-1', targets: [a.uri] }, { name: 'flat-2', line: 6 }] });
    expect(d.station.ring('flat-1')).toEqual({ id: 1, already: false });
    await until('it rings', () => invites(a) === 1);
    expect(d.station.ring('flat-2')).toEqual({ id: 1, already: true });
    expect(d.lines.join('\n')).toMatch(/button flat-2 pressed: press ignored, call 1 is already/);
  });
});
