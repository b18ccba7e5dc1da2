import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configSchema, type DoorConfig } from '../../../../src/config/schema.js';
import type { ControlEvent } from '../../../../src/control/event-bus.js';
import { formatReply } from '../../../../src/control/reply.js';
import type { Service } from '../../../../src/daemon.js';
import { openDoorCommands } from '../../../../src/control/commands/open-door-command.js';
import { publishDoorEvents } from '../../../../src/control/events/door-events.js';
import { publishGpioEvents } from '../../../../src/control/events/gpio-events.js';
import { DoorOpener, type RelayControl } from '../../../../src/door/opener/door-opener.js';
import { GpioService } from '../../../../src/gpio/gpio-service.js';
import type { SimBackend } from '../../../../src/gpio/sim-backend.js';
import type { PulseOutcome } from '../../../../src/gpio/relay.js';
import { LogSink, silentLogger } from '../../../../src/log/logger.js';
import { fakeGuard } from '../../../support/fake-process.js';

const HOME = 'sip:homescreen@myhouse';
const noConn = { setEventPush: () => {}, closeAfterReply: () => {} };

function door(overrides: Partial<DoorConfig> = {}, relayOutcome: PulseOutcome = { status: 'started', ms: 3000 }) {
  const config = configSchema.parse({ door: { open_code: '1234#', allowed: [HOME], max_attempts: 3, lockout_s: 60, ...overrides } }).door;
  const events: ControlEvent[] = [];
  const lines: string[] = [];
  const sink = new LogSink({ level: 'debug', systemd: true, write: (l) => lines.push(l) });
  let pulses = 0;
  const relay: RelayControl = {
    pulseRelay: () => {
      pulses++;
      return relayOutcome;
    },
  };
  const opener = new DoorOpener({ config, relay, log: sink.logger('door') });
  publishDoorEvents(opener, { publish: (e) => events.push(e) });
  return { opener, events, lines, pulses: () => pulses };
}

const types = (events: ControlEvent[]) => events.map((e) => e.type);
const body = (e: ControlEvent | undefined) => Object.fromEntries(e?.body ?? []);

describe('door opener: codes', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('the right code from an allowed peer opens: pulse, door-opened with By and Method, a log line', () => {
    const { opener, events, lines, pulses } = door();
    expect(opener.tryCode({ code: '1234', peer: `"Hall" <${HOME};transport=tcp>;tag=1`, method: 'message' })).toEqual({
      opened: true,
      relay: 'started',
    });
    expect(pulses()).toBe(1);
    expect(events).toEqual([{ type: 'door-opened', body: [['By', HOME], ['Method', 'message'], ['Relay', 'door']] }]);
    expect(lines.join('')).toMatch(/door opened by sip:homescreen@myhouse via message at \d{4}-\d\d-\d\dT/);
  });

  it('"#" is an optional terminator and a MESSAGE body may end in a newline', () => {
    const { opener } = door();
    expect(opener.tryCode({ code: '1234#', peer: HOME, method: 'message' }).opened).toBe(true);
    expect(opener.tryCode({ code: '1234\r\n', peer: HOME, method: 'message' }).opened).toBe(true);
    expect(door({ open_code: '1234' }).opener.tryCode({ code: '1234#', peer: HOME, method: 'info' }).opened).toBe(true);
  });

  it('refuses peers not in door.allowed without counting or comparing', () => {
    const { opener, events, pulses } = door();
    for (let i = 0; i < 5; i++) expect(opener.tryCode({ code: '1234', peer: 'sip:mallory@evil', method: 'message' })).toEqual({ opened: false, reason: 'not-allowed' });
    expect(pulses()).toBe(0);
    expect(opener.wrongAttempts).toBe(0);
    expect(events[0]).toEqual({ type: 'door-refused', body: [['By', 'sip:mallory@evil'], ['Method', 'message'], ['Reason', 'not-allowed']] });
  });

  it('an empty open_code means codes cannot open', () => {
    const { opener, events, pulses } = door({ open_code: '' });
    expect(opener.tryCode({ code: '', peer: HOME, method: 'message' })).toEqual({ opened: false, reason: 'no-code' });
    expect(opener.tryCode({ code: '#', peer: HOME, method: 'message' })).toEqual({ opened: false, reason: 'no-code' });
    expect(pulses()).toBe(0);
    expect(body(events[0]).Reason).toBe('no-code');
  });

  it('wrong codes count globally across calls, peers and methods; max_attempts locks for lockout_s, then unlocks', async () => {
    const { opener, events, pulses } = door({ max_attempts: 3, lockout_s: 60, allowed: [HOME, 'sip:other@myhouse'] });
    opener.tryCode({ code: '0000', peer: HOME, method: 'message' });
    opener.dtmf({ call: 1, digit: '9', peer: HOME, method: 'dtmf' });
    opener.dtmf({ call: 1, digit: '#', peer: HOME, method: 'dtmf' });
    opener.endCall(1);
    // Hanging up and calling again, or coming as someone else, does not start the count again.
    expect(opener.tryCode({ code: '1111', peer: 'sip:other@myhouse', method: 'info' })).toEqual({ opened: false, reason: 'wrong-code' });
    expect(types(events)).toEqual(['door-refused', 'door-refused', 'door-refused', 'door-locked']);
    expect(body(events[2])).toEqual({ By: 'sip:other@myhouse', Method: 'info', Reason: 'wrong-code', Attempts: 3, 'Max-attempts': 3 });
    const start = Date.now();
    expect(body(events[3])).toEqual({
      By: 'sip:other@myhouse',
      Method: 'info',
      Attempts: 3,
      Seconds: 60,
      Until: new Date(start + 60_000).toISOString(),
    });

    // Locked: even the right code is refused, and not counted.
    expect(opener.tryCode({ code: '1234', peer: HOME, method: 'message' })).toEqual({ opened: false, reason: 'locked' });
    expect(pulses()).toBe(0);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(opener.tryCode({ code: '1234', peer: HOME, method: 'message' }).opened).toBe(false);
    expect(opener.lockedUntilDate?.getTime()).toBe(start + 60_000);

    await vi.advanceTimersByTimeAsync(1);
    expect(types(events).slice(-1)).toEqual(['door-unlocked']);
    expect(opener.lockedUntilDate).toBeUndefined();
    expect(opener.wrongAttempts).toBe(0);
    expect(opener.tryCode({ code: '1234', peer: HOME, method: 'message' }).opened).toBe(true);
  });

  it('a right code resets the count of wrong ones', () => {
    const { opener } = door({ max_attempts: 3 });
    opener.tryCode({ code: '0000', peer: HOME, method: 'message' });
    opener.tryCode({ code: '0001', peer: HOME, method: 'message' });
    opener.tryCode({ code: '1234', peer: HOME, method: 'message' });
    expect(opener.wrongAttempts).toBe(0);
    opener.tryCode({ code: '0002', peer: HOME, method: 'message' });
    opener.tryCode({ code: '0003', peer: HOME, method: 'message' });
    expect(opener.lockedUntilDate).toBeUndefined();
  });

  it('the lockout does not stop open-door on the control socket', () => {
    const { opener } = door({ max_attempts: 1 });
    opener.tryCode({ code: '0000', peer: HOME, method: 'message' });
    expect(opener.lockedUntilDate).toBeDefined();
    expect(opener.openBy({ by: 'control', method: 'control' })).toEqual({ opened: true, relay: 'started' });
  });

  it('never logs or publishes the code, right or wrong, nor typed digits', () => {
    const { opener, events, lines } = door({ open_code: '4711', max_attempts: 2 });
    opener.tryCode({ code: '4711', peer: HOME, method: 'message' });
    opener.tryCode({ code: '8642', peer: HOME, method: 'message' });
    for (const d of '4719') opener.dtmf({ call: 'c1', digit: d, peer: HOME, method: 'dtmf' });
    // Timestamps in the lines may hold any digits (a millisecond field of 471 is no leak): drop them,
    // then only whole digit runs count.
    const text = (lines.join(' ') + JSON.stringify(events)).replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?/g, ' ');
    const tokens = new Set(text.match(/\d+/g) ?? []);
    for (const secret of ['4711', '8642', '4719', '471']) expect(tokens.has(secret), secret).toBe(false);
  });

  it('a correct code with no relay wired is refused as no-relay (the door did not open)', () => {
    const { opener, events } = door({}, { status: 'no-relay' });
    expect(opener.tryCode({ code: '1234', peer: HOME, method: 'message' })).toEqual({ opened: false, reason: 'no-relay' });
    expect(body(events[0]).Reason).toBe('no-relay');
  });
});

describe('door opener: DTMF digits', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('collects digits per call: 1234# opens at the 4th digit, the # after it is not an attempt', () => {
    const { opener, events } = door();
    const press = (call: number, digit: string) => opener.dtmf({ call, digit, peer: HOME, method: 'dtmf' });
    expect(press(1, '1')).toBeUndefined();
    expect(press(2, '5')).toBeUndefined(); // another call's digits do not mix in
    expect(press(1, '2')).toBeUndefined();
    expect(press(1, '3')).toBeUndefined();
    expect(press(1, '4')).toEqual({ opened: true, relay: 'started' });
    expect(press(1, '#')).toBeUndefined();
    expect(types(events)).toEqual(['door-opened']);
    expect(body(events[0]).Method).toBe('dtmf');
  });

  it('# ends a short entry, which is a wrong code; a lone # is nothing', () => {
    const { opener, events } = door();
    expect(opener.dtmf({ call: 1, digit: '#', peer: HOME, method: 'info' })).toBeUndefined();
    opener.dtmf({ call: 1, digit: '1', peer: HOME, method: 'info' });
    expect(opener.dtmf({ call: 1, digit: '#', peer: HOME, method: 'info' })).toEqual({ opened: false, reason: 'wrong-code' });
    expect(body(events[0])).toMatchObject({ Method: 'info', Reason: 'wrong-code', Attempts: 1 });
  });

  it('a pause longer than the inter-digit timeout drops the digits typed so far', async () => {
    const { opener } = door();
    const press = (digit: string) => opener.dtmf({ call: 7, digit, peer: HOME, method: 'dtmf' });
    press('9');
    await vi.advanceTimersByTimeAsync(5000);
    // Without the timeout "9123" would be the entry and "4" the start of the next.
    expect(press('1')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(4999);
    press('2');
    press('3');
    expect(press('4')).toEqual({ opened: true, relay: 'started' });
  });

  it('entries are fixed-length, not a sliding window: a digit stream is one guess per code length', () => {
    const { opener } = door({ max_attempts: 100 });
    for (const d of '99912345') opener.dtmf({ call: 1, digit: d, peer: HOME, method: 'dtmf' });
    expect(opener.wrongAttempts).toBe(2);
  });

  it('with # inside the code, # is an ordinary digit', () => {
    const { opener } = door({ open_code: '12#34' });
    let r;
    for (const d of '12#34') r = opener.dtmf({ call: 1, digit: d, peer: HOME, method: 'dtmf' });
    expect(r).toEqual({ opened: true, relay: 'started' });
  });

  it('endCall forgets the digits', () => {
    const { opener } = door();
    for (const d of '12') opener.dtmf({ call: 1, digit: d, peer: HOME, method: 'dtmf' });
    opener.endCall(1);
    for (const d of '34') opener.dtmf({ call: 1, digit: d, peer: HOME, method: 'dtmf' });
    expect(opener.wrongAttempts).toBe(0);
  });

  it('digits from a peer not allowed are refused, uncounted', () => {
    const { opener } = door();
    let r;
    for (const d of '1234') r = opener.dtmf({ call: 1, digit: d, peer: 'sip:x@y', method: 'dtmf' });
    expect(r).toEqual({ opened: false, reason: 'not-allowed' });
  });
});

describe('open-door command and the relay, end to end on the simulator', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  async function wired(gpio: Record<string, unknown> = {}) {
    const config = configSchema.parse({ gpio: { backend: 'sim', relay_pulse_ms: 3000, ...gpio }, door: { open_code: '1234', allowed: [HOME] } });
    const events: ControlEvent[] = [];
    const publish = { publish: (e: ControlEvent) => events.push(e) };
    const gpioService = new GpioService({ config: config.gpio, log: silentLogger, guard: fakeGuard().guard });
    publishGpioEvents(gpioService, publish);
    const opener = new DoorOpener({ config: config.door, relay: gpioService, log: silentLogger });
    publishDoorEvents(opener, publish);
    const openDoor = openDoorCommands(opener)[0]!;
    // What the daemon will hold them as.
    const services: Service[] = [gpioService, opener];
    for (const s of services) await s.start();
    return { gpioService, opener, events, openDoor, sim: () => gpioService.backend as SimBackend };
  }

  it('open-door pulses the relay for relay_pulse_ms and publishes door-opened By: control', async () => {
    const { gpioService, openDoor, events, sim } = await wired();
    expect(formatReply(await openDoor.run('', noConn))).toBe('Status: Ok\n\n');
    expect(events).toEqual([{ type: 'door-opened', body: [['By', 'control'], ['Method', 'control'], ['Relay', 'door']] }]);
    expect(sim().state().outputs[27]).toBe(1);
    await vi.advanceTimersByTimeAsync(2999);
    expect(sim().state().outputs[27]).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sim().state().outputs[27]).toBe(0);
    await gpioService.stop();
  });

  it('a DTMF code during a running pulse does not extend it', async () => {
    const { gpioService, opener, sim } = await wired();
    opener.openBy({ by: 'control', method: 'control' });
    await vi.advanceTimersByTimeAsync(2000);
    let r;
    for (const d of '1234') r = opener.dtmf({ call: 1, digit: d, peer: HOME, method: 'dtmf' });
    expect(r).toEqual({ opened: true, relay: 'already-on' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(sim().state().outputs[27]).toBe(0);
    await gpioService.stop();
  });

  it('relay = -1: Reason: No relay configured.', async () => {
    const { gpioService, openDoor, events } = await wired({ relay: -1 });
    expect(formatReply(await openDoor.run('', noConn))).toBe('Status: Error\nReason: No relay configured.\n\n');
    expect(body(events[0])).toEqual({ By: 'control', Method: 'control', Reason: 'no-relay' });
    await gpioService.stop();
  });

  it('GPIO stopped: Reason: GPIO is not running.', async () => {
    const { gpioService, openDoor } = await wired();
    await gpioService.stop();
    expect(formatReply(await openDoor.run('', noConn))).toBe('Status: Error\nReason: GPIO is not running.\n\n');
  });
});
