/**
 * The bridge against a fake mqtt.js client: what goes out for each door
 * event, open-door only when allowed, back-off that doubles and starts
 * over, and a broker that is down logged once.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { IClientOptions, MqttClient } from 'mqtt';
import { parseConfig } from '../../../src/config/load.js';
import { MqttBridge, RECONNECT_FIRST_MS, RECONNECT_MAX_MS } from '../../../src/mqtt/mqtt-bridge.js';
import { TypedEmitter, type EventMap } from '../../../src/events/typed-emitter.js';
import { LogSink } from '../../../src/log/logger.js';
import type { DoorStationEvents } from '../../../src/door/door-station.js';
import type { DoorOpenerEvents } from '../../../src/door/opener/door-opener.js';
import type { DoorContactEvents } from '../../../src/door/door-contact-monitor.js';
import type { MediaEvents } from '../../../src/media/media-engine.js';
import type { PublishedEvent } from '../../../src/events/event-sink.js';

/** A TypedEmitter a test can fire. */
class Fires<E extends EventMap> extends TypedEmitter<E> {
  fire<K extends keyof E & string>(event: K, ...args: E[K]): void {
    this.emit(event, ...args);
  }
}

class FakeClient extends EventEmitter {
  connected = false;
  options: IClientOptions;
  published: Array<{ topic: string; payload: string; retain: boolean }> = [];
  constructor(opts: IClientOptions) {
    super();
    this.options = { ...opts };
  }
  publish(topic: string, payload: string | Buffer, opts: { retain?: boolean }, cb?: (e?: Error) => void): this {
    this.published.push({ topic, payload: payload.toString(), retain: opts.retain ?? false });
    cb?.();
    return this;
  }
  subscribe(_t: string, _o: unknown, cb?: (e: Error | null) => void): this {
    cb?.(null);
    return this;
  }
  reconnects = 0;
  incomingStore = {};
  outgoingStore = {};
  reconnect(opts: { outgoingStore?: unknown }): this {
    // The client's own store must come back, or unacknowledged QoS 1 messages would be lost.
    if (opts.outgoingStore !== this.outgoingStore) throw new Error('reconnect without the outgoing store');
    this.reconnects++;
    return this;
  }
  publishAsync(topic: string, payload: string, opts: { retain?: boolean }): Promise<void> {
    this.publish(topic, payload, opts);
    return Promise.resolve();
  }
  endAsync(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(mqtt: Record<string, unknown> = {}, withContact = false) {
  // mqtt.relay_name must name a relay (issue 15): a gate beside the door when the test names one.
  const relays = typeof mqtt.relay_name === 'string' ? [{ name: 'door', line: 27 }, { name: mqtt.relay_name, line: 22 }] : [];
  const config = parseConfig({ mqtt: { enabled: true, picture: false, ...mqtt }, relays });
  const lines: string[] = [];
  const sink = new LogSink({ level: 'debug', systemd: true, write: (l) => lines.push(l) });
  const door = Object.assign(new Fires<DoorStationEvents>(), {
    rang: 0,
    rangButtons: [] as Array<string | undefined>,
    buttonNames: ['flat-1', 'flat-2'],
    ring(button?: string) {
      this.rang++;
      this.rangButtons.push(button);
      return { id: 1, already: false };
    },
    terminate: async () => undefined,
    current: () => undefined,
  });
  const opened: string[] = [];
  const opener = Object.assign(new Fires<DoorOpenerEvents>(), {
    openBy(who: { by: string }) {
      opened.push(who.by);
      return { opened: true as const, relay: 'started' as const };
    },
  });
  const presses: Array<(button: string) => void> = [];
  const gpio = { onPress: (l: (button: string) => void) => (presses.push(l), () => undefined) };
  const media = Object.assign(new Fires<MediaEvents>(), { snapshot: async () => undefined });
  const subs: Array<(e: PublishedEvent) => void> = [];
  const contact = new Fires<DoorContactEvents>();
  let client!: FakeClient;
  const bridge = new MqttBridge({
    config: config.mqtt,
    sipIdentity: 'sip:door@myhouse',
    relayPulseMs: 3000,
    doorContact: withContact ? contact : undefined,
    doorOpen: () => (withContact ? false : undefined),
    door,
    opener,
    gpio,
    media,
    events: { subscribe: (fn) => (subs.push(fn), () => undefined) },
    log: sink.logger('mqtt'),
    connect: (_url, opts) => (client = new FakeClient(opts)) as unknown as MqttClient,
  });
  return { bridge, door, opener, opened, presses, subs, lines, contact, client: () => client };
}

describe('MqttBridge', () => {
  it('publishes a press, call states, openings and registration', async () => {
    const t = setup();
    await t.bridge.start();
    const c = t.client();
    expect(c.options).toMatchObject({ clean: false, will: { topic: 'doorstation/door/availability', retain: true } });
    c.connected = true;
    c.emit('connect');
    t.presses.forEach((p) => p('flat-2'));
    t.door.fire('call-state', { id: 3, state: 'outgoing-ringing', from: 'sip:door@myhouse' });
    t.opener.fire('opened', { by: 'sip:kitchen@myhouse', method: 'dtmf', relay: 'door' });
    t.subs.forEach((s) => s({ type: 'registration-state-changed', body: [['Id', 1], ['State', 'LinphoneRegistrationOk']] }));
    const by = (topic: string) => c.published.filter((p) => p.topic === `doorstation/door/${topic}`);
    expect(by('availability').at(-1)).toEqual({ topic: 'doorstation/door/availability', payload: 'online', retain: true });
    expect(JSON.parse(by('button')[0]!.payload)).toMatchObject({ event_type: 'press', button: 'flat-2' });
    expect(by('button')[0]!.retain).toBe(false);
    expect(by('call/state')[0]).toMatchObject({ payload: 'outgoing-ringing', retain: true });
    expect(JSON.parse(by('call/event')[0]!.payload)).toMatchObject({ id: 3, state: 'outgoing-ringing' });
    expect(JSON.parse(by('door/event')[0]!.payload)).toMatchObject({ event: 'opened', by: 'sip:kitchen@myhouse', method: 'dtmf' });
    expect(by('door/contact').map((p) => p.payload)).toEqual(['OFF', 'ON']);
    expect(by('registration')[0]!.payload).toBe('Ok');
    expect(c.published.some((p) => p.topic.startsWith('homeassistant/event/'))).toBe(true);
    await t.bridge.stop();
    expect(by('availability').at(-1)!.payload).toBe('offline');
  });

  it('with a door contact, the door sensor is the contact (not the pulse), and forced / held-open are door events', async () => {
    const t = setup({}, true);
    await t.bridge.start();
    const c = t.client();
    c.emit('connect');
    t.opener.fire('opened', { by: 'control', method: 'control', relay: 'door' });
    t.contact.fire('state', { open: true });
    t.contact.fire('forced');
    t.contact.fire('held-open', { seconds: 60 });
    t.contact.fire('state', { open: false });
    const by = (topic: string) => c.published.filter((p) => p.topic === `doorstation/door/${topic}`);
    expect(by('door/contact').map((p) => p.payload)).toEqual(['OFF', 'ON', 'OFF']);
    expect(by('door/event').map((p) => JSON.parse(p.payload).event)).toEqual(['opened', 'forced', 'held-open']);
    expect(JSON.parse(by('door/event')[0]!.payload)).toMatchObject({ relay: 'door' });
    await t.bridge.stop();
  });

  it('opens over MQTT only when allowed, and only the named relay', async () => {
    const off = setup();
    await off.bridge.start();
    off.client().emit('message', 'doorstation/door/command', Buffer.from('open-door'));
    expect(off.opened).toEqual([]);
    expect(off.lines.join('\n')).toContain('allow_open_door is false');

    const on = setup({ allow_open_door: true, relay_name: 'gate' });
    await on.bridge.start();
    on.client().emit('message', 'doorstation/door/command', Buffer.from('open-door door'));
    expect(on.opened).toEqual([]);
    on.client().emit('message', 'doorstation/door/command', Buffer.from('open-door gate'));
    on.client().emit('message', 'doorstation/door/command', Buffer.from('ring'));
    expect(on.opened).toEqual(['mqtt']);
    expect(on.door.rang).toBe(1);
  });

  it('ring BUTTON rings that button; no name rings the first; an unknown name is logged and rings nothing', async () => {
    const t = setup();
    await t.bridge.start();
    const send = (m: string) => t.client().emit('message', 'doorstation/door/command', Buffer.from(m));
    send('ring flat-2');
    send('ring');
    send('ring flat-9\u001b[2J');
    send('ring flat-1 now');
    expect(t.door.rangButtons).toEqual(['flat-2', undefined]);
    const log = t.lines.join('\n');
    expect(log).toContain('ring flat-2: call 1');
    expect(log).toContain('ring refused: No button named "flat-9\\u001b[2J"; the buttons are: flat-1, flat-2.');
    expect(log).toContain('command refused: too many words');
    expect(log).not.toContain('\u001b');
  });

  it('backs off 1 s doubling to 60 s, starts over once connected, and logs a dead broker once', async () => {
    vi.useFakeTimers();
    try {
      const t = setup();
      await t.bridge.start();
      const c = t.client();
      expect(c.options.reconnectPeriod).toBe(0);
      const delays: number[] = [];
      for (let i = 0; i < 9; i++) {
        c.emit('error', new Error('connect ECONNREFUSED 127.0.0.1:1883'));
        c.emit('close');
        c.emit('close');
        const before = c.reconnects;
        let waited = 0;
        while (c.reconnects === before) {
          vi.advanceTimersByTime(500);
          waited += 500;
        }
        expect(c.reconnects).toBe(before + 1);
        delays.push(waited);
      }
      expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
      expect(t.lines.filter((l) => l.includes('ECONNREFUSED') && !l.startsWith('<7>'))).toHaveLength(1);
      c.emit('connect');
      c.emit('close');
      vi.advanceTimersByTime(RECONNECT_FIRST_MS);
      expect(c.reconnects).toBe(10);
      await t.bridge.stop();
      c.emit('close');
      vi.advanceTimersByTime(RECONNECT_MAX_MS);
      expect(c.reconnects).toBe(10);
    } finally {
      vi.useRealTimers();
    }
  });
});
