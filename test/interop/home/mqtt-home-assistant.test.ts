/**
 * The door on MQTT against Debian's mosquitto (TLS, password file,
 * persistence), as Home Assistant would see it: a press is an event, the
 * discovery configs are valid JSON with the fields HA requires, open-door
 * pulses the relay only when allowed, and events survive a broker restart
 * in the middle of a call.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAsync, type MqttClient } from 'mqtt';
import { startMosquitto, mosquittoInstalled, type Broker } from '../../support/mosquitto.js';
import { converse, startDaemon, tempDir, type RunningDaemon } from '../../support/daemon.js';
import { freePort } from '../../support/ports.js';
import { until } from '../../support/wait.js';
import { HA_REQUIRED, type HaComponent } from '../../../src/mqtt/ha-discovery.js';

interface Seen {
  topic: string;
  payload: Buffer;
}

let broker: Broker;
let dir: string;
/** Swallows INVITEs: a screen that never answers keeps the call ringing until ring_timeout. */
let silentScreen: Socket;

async function client(b: Broker, extra: { clientId?: string; clean?: boolean } = {}): Promise<{ c: MqttClient; seen: Seen[] }> {
  const c = await connectAsync(b.url, { ca: readFileSync(b.ca), username: 'ha', password: b.password, reconnectPeriod: 0, ...extra });
  const seen: Seen[] = [];
  c.on('message', (topic, payload) => seen.push({ topic, payload }));
  return { c, seen };
}

function doorToml(b: Broker, mqttExtra = ''): string {
  const port = (silentScreen.address() as { port: number }).port;
  return [
    '[call]',
    `targets = ["sip:screen@127.0.0.1:${port}"]`,
    'ring_timeout = 4',
    'early_media = "none"',
    '[mqtt]',
    'enabled = true',
    `url = "${b.url}"`,
    `ca = "${b.ca}"`,
    `username = "${b.username}"`,
    `password = "${b.password}"`,
    mqttExtra,
  ].join('\n');
}

const json = (s: Seen) => JSON.parse(s.payload.toString()) as Record<string, unknown>;

describe.skipIf(!mosquittoInstalled)('MQTT and Home Assistant discovery (mosquitto, TLS, password file)', () => {
  beforeAll(async () => {
    dir = tempDir('doorstation-mqtt-');
    broker = await startMosquitto(dir);
    silentScreen = createSocket('udp4');
    await new Promise<void>((r) => silentScreen.bind(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    silentScreen?.close();
    await broker?.kill();
  });

  it('a press is an event, discovery is valid, open-door is refused when not allowed', async () => {
    const { c, seen } = await client(broker);
    await c.subscribeAsync(['doorstation/#', 'homeassistant/#'], { qos: 1 });
    const door = await startDaemon(doorToml(broker, 'client_id = "door-a"\nnode_id = "front"'));
    try {
      await until('online', () => seen.some((s) => s.topic === 'doorstation/front/availability' && s.payload.toString() === 'online'));
      await until('discovery', () => seen.filter((s) => s.topic.startsWith('homeassistant/')).length >= 5);
      const configs = seen.filter((s) => s.topic.startsWith('homeassistant/') && s.payload.length > 0);
      const components = new Set<string>();
      for (const s of configs) {
        const [, component] = s.topic.split('/') as [string, HaComponent];
        const cfg = json(s);
        for (const key of [...HA_REQUIRED[component], 'unique_id', 'device', 'availability_topic']) expect(cfg, `${s.topic} ${key}`).toHaveProperty(key);
        expect((cfg.device as { identifiers: string[] }).identifiers).toEqual(['doorstation_front']);
        components.add(component);
      }
      expect([...components].sort()).toEqual(['binary_sensor', 'event', 'image', 'sensor']);
      const bell = json(configs.find((s) => s.topic === 'homeassistant/event/doorstation_front/doorbell/config')!);
      expect(bell).toMatchObject({ state_topic: 'doorstation/front/button', event_types: ['press'], device_class: 'doorbell' });
      // No open button is offered while opening over MQTT is off; an old one is cleared (empty retained config).
      expect(seen.find((s) => s.topic === 'homeassistant/button/doorstation_front/open_door/config')?.payload.length).toBe(0);

      await converse(door.socket, 'press\n', { quietMs: 300 });
      const press = await until('press event', () => seen.find((s) => s.topic === 'doorstation/front/button'));
      expect(json(press)).toMatchObject({ event_type: 'press', button: 'button' });
      await until('call state', () => seen.find((s) => s.topic === 'doorstation/front/call/state'));

      await c.publishAsync('doorstation/front/command', 'open-door door', { qos: 1 });
      await until('refusal logged', () => door.output().includes('open-door refused: mqtt.allow_open_door is false'));
      expect(seen.filter((s) => s.topic === 'doorstation/front/door/event').map((s) => json(s).event)).not.toContain('opened');
      expect(door.output()).not.toContain(broker.password);
    } finally {
      await c.endAsync();
      await door.stop();
      door.cleanup();
    }
  });

  it('open-door over MQTT pulses the relay when allowed', async () => {
    const { c, seen } = await client(broker);
    await c.subscribeAsync('doorstation/back/#', { qos: 1 });
    // mqtt.relay_name names one of the relays (issue 15): a gate beside the door.
    const relays = '\n[[relays]]\nname = "door"\nline = 27\n[[relays]]\nname = "gate"\nline = 22\n';
    const door = await startDaemon(doorToml(broker, `client_id = "door-b"\nnode_id = "back"\nallow_open_door = true\nrelay_name = "gate"${relays}`));
    try {
      await until('online', () => seen.some((s) => s.topic === 'doorstation/back/availability' && s.payload.toString() === 'online'));
      await c.publishAsync('doorstation/back/command', 'open-door gate', { qos: 1 });
      const opened = await until('door opened', () => seen.find((s) => s.topic === 'doorstation/back/door/event'));
      expect(json(opened)).toMatchObject({ event: 'opened', by: 'mqtt', relay: 'gate' });
      await until('contact on', () => seen.some((s) => s.topic === 'doorstation/back/door/contact' && s.payload.toString() === 'ON'));
      const events = await converse(door.socket, 'pop-event\n', { quietMs: 300 });
      expect(events).toMatch(/door-opened[\s\S]*By: mqtt[\s\S]*Relay: gate/);
      expect(door.output()).toMatch(/gpio\.sim: sim: gpio22 = 1(?! \(opened)/);
      expect(door.output()).not.toMatch(/gpio\.sim: sim: gpio27 = 1(?! \(opened)/);
    } finally {
      await c.endAsync();
      await door.stop();
      door.cleanup();
    }
  });

  it('with no broker, the door starts and rings, and says so once while it retries', async () => {
    const nowhere = { ...broker, url: `mqtts://127.0.0.1:${await freePort()}` };
    const door = await startDaemon(`${doorToml(nowhere, 'client_id = "door-d"')}\n[log]\nlevel = "debug"\n`);
    try {
      await converse(door.socket, 'press\n', { quietMs: 300 });
      await until('the press rang', () => door.output().includes('call-state-changed Event=LinphoneCallOutgoingInit'));
      // Three failed attempts (1 s, 2 s apart): the first is a warning, the others debug lines.
      await until('retries', () => (door.output().match(/mqtt: .*ECONNREFUSED/g)?.length ?? 0) >= 3, 20_000);
      expect(door.output().match(/^.*(warn|<4>).*ECONNREFUSED.*$/gm)).toHaveLength(1);
      expect(door.proc.exitCode).toBeNull();
    } finally {
      await door.stop();
      door.cleanup();
    }
  });

  it('a broker stopped mid-call loses no event its persistence keeps', async () => {
    const sub = { clientId: 'ha-persistent', clean: false };
    let { c, seen } = await client(broker, sub);
    await c.subscribeAsync('doorstation/side/#', { qos: 1 });
    let door: RunningDaemon | undefined;
    try {
      door = await startDaemon(doorToml(broker, 'client_id = "door-c"\nnode_id = "side"\npicture = false'));
      await until('online', () => seen.some((s) => s.topic === 'doorstation/side/availability' && s.payload.toString() === 'online'));
      // Home Assistant goes away; the press is queued for its session in the broker.
      await c.endAsync();
      await converse(door.socket, 'press\n', { quietMs: 300 });
      await until('call ringing', () => door!.output().includes('call-state-changed Event=LinphoneCallOutgoingInit'));
      await new Promise((r) => setTimeout(r, 500));
      await broker.stop();
      // The call ends (ring_timeout) while the broker is down: the door queues those events itself.
      await until('call ended', () => /call-state-changed Event=LinphoneCall(End|Error|Released)/.test(door!.output()), 20_000);
      await broker.restart();
      ({ c, seen } = await client(broker, sub));
      await until('press after restart', () => seen.find((s) => s.topic === 'doorstation/side/button'), 20_000);
      const ended = await until(
        'end of the call after restart',
        () => seen.find((s) => s.topic === 'doorstation/side/call/event' && ['end', 'error', 'released'].includes(json(s).state as string)),
        20_000,
      );
      expect(json(ended).id).toBeTypeOf('number');
      expect(door.proc.exitCode).toBeNull();
    } finally {
      await c.endAsync().catch(() => undefined);
      await door?.stop();
      door?.cleanup();
    }
  }, 60_000);
});
