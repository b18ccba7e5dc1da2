/**
 * Issue 15, the door panel end to end on the simulator with fake timers: the
 * GPIO service with two relays, an exit button and a door contact, the
 * opener with each relay's codes, the contact monitor, the control commands
 * and the events they publish, wired as daemon.ts wires them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { relaySpecs } from '../../../src/config/relays.js';
import type { ControlEvent } from '../../../src/control/event-bus.js';
import { formatReply } from '../../../src/control/reply.js';
import { openDoorCommands } from '../../../src/control/commands/open-door-command.js';
import { panelCommands } from '../../../src/control/commands/panel-commands.js';
import { publishDoorContactEvents, publishDoorEvents } from '../../../src/control/events/door-events.js';
import { DoorContactMonitor, FORCED_GRACE_MS } from '../../../src/door/door-contact-monitor.js';
import { DoorOpener } from '../../../src/door/opener/door-opener.js';
import { GpioService } from '../../../src/gpio/gpio-service.js';
import type { SimBackend } from '../../../src/gpio/sim-backend.js';
import { silentLogger } from '../../../src/log/logger.js';
import { fakeGuard } from '../../support/fake-process.js';

const HOME = 'sip:homescreen@myhouse';
const noConn = { setEventPush: () => {}, closeAfterReply: () => {} };
const DOOR_LINE = 27;
const GATE_LINE = 22;
const EXIT_LINE = 23;
const CONTACT_LINE = 24;

function panel(extra: Record<string, unknown> = {}) {
  const config = parseConfig({
    gpio: { backend: 'sim', debounce_ms: 50 },
    door: { allowed: [HOME], max_attempts: 3 },
    relays: [
      { name: 'door', line: DOOR_LINE, pulse_ms: 1000, open_codes: ['1234'] },
      { name: 'gate', line: GATE_LINE, active_low: true, pulse_ms: 2000, open_codes: ['567890', '4321'] },
    ],
    exit_button: { line: EXIT_LINE },
    door_contact: { line: CONTACT_LINE, held_open_s: 30 },
    ...extra,
  });
  const relays = relaySpecs(config);
  const { proc, guard } = fakeGuard();
  const gpio = new GpioService({ config: config.gpio, panel: { relays, exitButton: config.exit_button, doorContact: config.door_contact }, log: silentLogger, guard });
  const opener = new DoorOpener({ config: config.door, relays, relay: gpio, log: silentLogger });
  const events: ControlEvent[] = [];
  const sink = { publish: (e: ControlEvent) => void events.push(e) };
  publishDoorEvents(opener, sink);
  gpio.panel.onExit(() => void opener.openBy({ by: 'exit-button', method: 'exit', relay: config.exit_button.relay }));
  const contact = new DoorContactMonitor({ config: config.door_contact, panel: gpio.panel, log: silentLogger });
  publishDoorContactEvents(contact, sink);
  const commands = [...openDoorCommands(opener), ...panelCommands(gpio.panel)];
  const run = async (line: string) => {
    const [name, ...rest] = line.split(' ');
    return formatReply(await commands.find((c) => c.name === name)!.run(rest.join(' '), noConn));
  };
  const sim = () => gpio.backend as SimBackend;
  const level = (line: number) => sim().state().outputs[line];
  const seen = () => events.map((e) => [e.type, ...e.body.map(([k, v]) => `${k}=${v}`)].join(' '));
  return { gpio, opener, contact, events, seen, run, sim, level, proc };
}

/** `door-contact open|closed` on the simulator, the debounce run out with fake timers. */
async function moveDoor(p: ReturnType<typeof panel>, to: 'open' | 'closed'): Promise<void> {
  const r = p.run(`door-contact ${to}`);
  await vi.advanceTimersByTimeAsync(100);
  expect(await r).toBe('Status: Ok\n\n');
}

describe('door panel: relays, codes, exit button, door contact', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('each relay starts off at its own level; a code opens the relay it belongs to, and only that one, for its own pulse', async () => {
    const p = panel();
    await p.gpio.start();
    expect([p.level(DOOR_LINE), p.level(GATE_LINE)]).toEqual([0, 1]);
    expect(p.opener.tryCode({ code: '567890', peer: HOME, method: 'message' })).toEqual({ opened: true, relay: 'started' });
    expect([p.level(DOOR_LINE), p.level(GATE_LINE)]).toEqual([0, 0]);
    await vi.advanceTimersByTimeAsync(1999);
    expect(p.level(GATE_LINE)).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.level(GATE_LINE)).toBe(1);
    expect(p.opener.tryCode({ code: '4321#', peer: HOME, method: 'message' }).opened).toBe(true);
    expect(p.opener.tryCode({ code: '1234', peer: HOME, method: 'message' }).opened).toBe(true);
    expect([p.level(DOOR_LINE), p.level(GATE_LINE)]).toEqual([1, 0]);
    expect(p.seen()).toEqual([
      'door-opened By=sip:homescreen@myhouse Method=message Relay=gate',
      'door-opened By=sip:homescreen@myhouse Method=message Relay=gate',
      'door-opened By=sip:homescreen@myhouse Method=message Relay=door',
    ]);
    p.gpio.close();
  });

  it('DTMF digits: an entry ends at the longest code or at "#", so the shorter code is typed with "#"', async () => {
    const p = panel();
    await p.gpio.start();
    const type = (digits: string) => [...digits].map((digit) => p.opener.dtmf({ call: 1, digit, peer: HOME, method: 'info' })).at(-1);
    expect(type('1234')).toBeUndefined(); // not yet an entry: a 6-digit code exists
    expect(type('#')).toEqual({ opened: true, relay: 'started' });
    expect(type('567890')).toEqual({ opened: true, relay: 'started' });
    expect(p.seen().map((e) => e.split(' ').at(-1))).toEqual(['Relay=door', 'Relay=gate']);
    // A partial entry dropped by the inter-digit pause was never compared: nothing counted, nothing opened.
    type('1234');
    await vi.advanceTimersByTimeAsync(6000);
    expect(type('#')).toBeUndefined();
    expect(p.opener.wrongAttempts).toBe(0);
    p.gpio.close();
  });

  it('wrong codes for any relay count together toward one lockout, which holds every relay', async () => {
    const p = panel();
    await p.gpio.start();
    for (const code of ['1111', '999999', '2222']) p.opener.tryCode({ code, peer: HOME, method: 'message' });
    expect(p.opener.lockedUntilDate).toBeDefined();
    expect(p.opener.tryCode({ code: '567890', peer: HOME, method: 'message' })).toEqual({ opened: false, reason: 'locked' });
    expect(p.opener.tryCode({ code: '1234', peer: HOME, method: 'message' })).toEqual({ opened: false, reason: 'locked' });
    expect(p.seen().map((e) => e.split(' ')[0])).toEqual(['door-refused', 'door-refused', 'door-refused', 'door-locked', 'door-refused', 'door-refused']);
    // open-door is never locked, and names its relay.
    expect(await p.run('open-door gate')).toBe('Status: Ok\n\n');
    expect(p.level(GATE_LINE)).toBe(0);
    p.gpio.close();
  });

  it('open-door: no name opens the first relay; an unknown name is refused with the names; extra words are refused', async () => {
    const p = panel();
    await p.gpio.start();
    expect(await p.run('open-door')).toBe('Status: Ok\n\n');
    expect([p.level(DOOR_LINE), p.level(GATE_LINE)]).toEqual([1, 1]);
    expect(await p.run('open-door garage')).toBe('Status: Error\nReason: No relay named "garage"; the relays are: door, gate.\n\n');
    expect(await p.run('open-door gate door')).toBe('Status: Error\nReason: open-door takes at most one relay name.\n\n');
    expect(p.seen()).toEqual(['door-opened By=control Method=control Relay=door']);
    p.gpio.close();
  });

  it('press-exit: through the debouncer, its relay opens with no code, Method exit, By exit-button; bounces are one press', async () => {
    const p = panel();
    await p.gpio.start();
    const reply = p.run('press-exit');
    await vi.advanceTimersByTimeAsync(1000);
    expect(await reply).toBe('Status: Ok\n\n');
    expect(p.seen()).toEqual(['door-opened By=exit-button Method=exit Relay=door']);
    // A bounce shorter than the debounce time is nothing.
    p.sim().simulateInput(EXIT_LINE, 0);
    await vi.advanceTimersByTimeAsync(20);
    p.sim().simulateInput(EXIT_LINE, 1);
    await vi.advanceTimersByTimeAsync(200);
    expect(p.events).toHaveLength(1);
    p.gpio.close();
  });

  it('the contact: door-state on settled changes only; opened during or just after its relay pulse is not forced', async () => {
    const p = panel();
    await p.gpio.start();
    // Chatter shorter than the debounce time: no event.
    p.sim().simulateInput(CONTACT_LINE, 1);
    await vi.advanceTimersByTimeAsync(10);
    p.sim().simulateInput(CONTACT_LINE, 0);
    await vi.advanceTimersByTimeAsync(200);
    expect(p.events).toEqual([]);
    await p.run('open-door');
    // Pushed open as the strike lets go, a moment after the 1 s pulse: within the grace.
    await vi.advanceTimersByTimeAsync(1000 + FORCED_GRACE_MS - 200);
    const opened = p.run('door-contact open');
    await vi.advanceTimersByTimeAsync(100);
    expect(await opened).toBe('Status: Ok\n\n');
    const closed = p.run('door-contact closed');
    await vi.advanceTimersByTimeAsync(100);
    await closed;
    expect(p.seen()).toEqual(['door-opened By=control Method=control Relay=door', 'door-state State=open', 'door-state State=closed']);
    p.gpio.close();
    await p.contact.stop();
  });

  it('opened with no pulse, with only another relay\'s pulse, or after the grace: door-forced after its door-state', async () => {
    const p = panel();
    await p.gpio.start();
    const move = (to: 'open' | 'closed') => moveDoor(p, to);
    await move('open');
    await move('closed');
    await p.run('open-door gate');
    await move('open');
    await move('closed');
    await p.run('open-door door');
    await vi.advanceTimersByTimeAsync(1000 + FORCED_GRACE_MS + 1);
    await move('open');
    expect(p.seen().filter((e) => !e.startsWith('door-opened'))).toEqual([
      'door-state State=open',
      'door-forced',
      'door-state State=closed',
      'door-state State=open',
      'door-forced',
      'door-state State=closed',
      'door-state State=open',
      'door-forced',
    ]);
    p.gpio.close();
    await p.contact.stop();
  });

  it('door-held-open once per opening, after held_open_s; closing before then cancels it', async () => {
    const p = panel();
    await p.gpio.start();
    const move = (to: 'open' | 'closed') => moveDoor(p, to);
    await p.run('open-door');
    await move('open');
    await vi.advanceTimersByTimeAsync(20_000);
    await move('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(p.seen().filter((e) => e.startsWith('door-held-open'))).toEqual([]);
    await p.run('open-door');
    await move('open');
    await vi.advanceTimersByTimeAsync(29_800);
    expect(p.seen().filter((e) => e.startsWith('door-held-open'))).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(p.seen().filter((e) => e.startsWith('door-held-open'))).toEqual(['door-held-open Seconds=30']);
    await vi.advanceTimersByTimeAsync(300_000);
    expect(p.seen().filter((e) => e.startsWith('door-held-open'))).toHaveLength(1);
    p.gpio.close();
    await p.contact.stop();
  });

  it('a signal during two pulses turns both relays off at once (the exit guard holds for each)', async () => {
    const p = panel();
    await p.gpio.start();
    await p.run('open-door door');
    await p.run('open-door gate');
    expect([p.level(DOOR_LINE), p.level(GATE_LINE)]).toEqual([1, 0]);
    p.proc.emit('SIGTERM', 'SIGTERM');
    expect([p.level(DOOR_LINE), p.level(GATE_LINE)]).toEqual([0, 1]);
    expect(await p.run('open-door gate')).toBe('Status: Error\nReason: Relay disabled: the daemon is stopping.\n\n');
    p.gpio.close();
  });

  it('door-contact on real GPIO, and inputs not wired, are refused in words', async () => {
    const p = panel({ exit_button: {}, door_contact: {} });
    await p.gpio.start();
    expect(await p.run('press-exit')).toBe('Status: Error\nReason: No exit button configured (exit_button.line).\n\n');
    expect(await p.run('door-contact open')).toBe('Status: Error\nReason: No door contact configured (door_contact.line).\n\n');
    expect(await p.run('door-contact ajar')).toBe('Status: Error\nReason: door-contact takes "open" or "closed".\n\n');
    p.gpio.close();
  });
});
