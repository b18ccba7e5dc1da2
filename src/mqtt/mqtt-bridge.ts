/**
 * The door on MQTT (issue 16): a top adapter beside control/. It turns the
 * typed events of door, opener, gpio, media and registration into retained
 * states and JSON events (mqtt-topics.ts), publishes Home Assistant
 * discovery (ha-discovery.ts), and takes commands (mqtt-commands.ts).
 *
 * The `mqtt` library is imported only in start(), so a door with MQTT off
 * never loads it. Nothing here may hold up the door: publishing is
 * fire-and-forget into the client's queue, a broker that is down is logged
 * once and retried with back-off, and a picture is taken after the press
 * has already started the ring.
 *
 * Events survive a broker restart: QoS 1 with `clean: false`, so what the
 * client had not had acknowledged is resent, and what it publishes while
 * offline is queued and sent on reconnect.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import { readFile, rm, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttConfig } from '../config/schema.js';
import type { DoorStation, DoorStationEvents } from '../door/door-station.js';
import type { DoorOpener, DoorOpenerEvents } from '../door/opener/door-opener.js';
import type { DoorContactEvents } from '../door/door-contact-monitor.js';
import type { DoorHardware } from '../gpio/door-hardware.js';
import type { MediaEngine, MediaEvents } from '../media/media-engine.js';
import type { Listens } from '../events/typed-emitter.js';
import type { PublishedEvent } from '../events/event-sink.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../log/error-message.js';
import { discoveryMessages } from './ha-discovery.js';
import { parseMqttCommand } from './mqtt-commands.js';
import { unknownName } from '../config/names.js';
import { doorTopics, jsonEvent, state, OFFLINE, ONLINE, PRESS_EVENT, type DoorTopics, type Outgoing } from './mqtt-topics.js';

/** Reconnect back-off: doubles from the first to the last, and starts over once connected. */
export const RECONNECT_FIRST_MS = 1000;
export const RECONNECT_MAX_MS = 60_000;
const STOP_WAIT_MS = 1000;

export interface MqttBridgeOptions {
  config: MqttConfig;
  /** Identity for the discovery device, relay pulse for the contact sensor. */
  sipIdentity: string;
  relayPulseMs: number;
  /** Each relay's pulse, by name (issue 15); a relay not listed pulses `relayPulseMs`. */
  relayPulses?: Readonly<Record<string, number>>;
  /** The door contact, when one is wired: the door sensor shows it instead of the relay's pulse. */
  doorContact?: Listens<DoorContactEvents>;
  /** The contact's state at start (true = open). */
  doorOpen?: () => boolean | undefined;
  door: Listens<DoorStationEvents> & Pick<DoorStation, 'ring' | 'terminate' | 'current' | 'buttonNames'>;
  opener: Listens<DoorOpenerEvents> & Pick<DoorOpener, 'openBy'>;
  gpio: Pick<DoorHardware, 'onPress'>;
  media: Listens<MediaEvents> & Pick<MediaEngine, 'snapshot'>;
  /** The control event stream, for registration state (its one source today). */
  events: { subscribe(fn: (e: PublishedEvent) => void): () => void };
  log: Logger;
  /** For tests: the library's connect. */
  connect?: (url: string, opts: IClientOptions) => MqttClient;
}

export class MqttBridge {
  readonly name = 'mqtt';
  private readonly topics: DoorTopics;
  private client: MqttClient | undefined;
  private backoffMs = RECONNECT_FIRST_MS;
  private retry: NodeJS.Timeout | undefined;
  private lastError = '';
  private contactTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private wired = false;

  constructor(private readonly opts: MqttBridgeOptions) {
    this.topics = doorTopics(opts.config);
  }

  async start(): Promise<void> {
    const c = this.opts.config;
    const connect = this.opts.connect ?? (await import('mqtt')).connect;
    const client = connect(c.url, await this.clientOptions());
    this.client = client;
    client.on('connect', () => this.onConnect());
    client.on('error', (e) => this.problem(errorMessage(e)));
    client.on('close', () => this.scheduleReconnect(client));
    client.on('message', (topic, payload) => {
      if (topic === this.topics.command) this.onCommand(payload);
    });
    this.wire();
    // Not awaited: a broker that is down must not hold up the daemon's start (it retries in the background).
    this.opts.log.info(`connecting to ${c.url} as ${client.options.clientId}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.contactTimer);
    clearTimeout(this.retry);
    this.unsubscribe?.();
    const client = this.client;
    if (!client) return;
    // A clean goodbye: the will is for crashes, so say offline ourselves. Bounded: a broker that
    // stopped answering must not hold up the daemon's stop.
    const bounded = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    if (client.connected) await bounded(client.publishAsync(this.topics.availability, OFFLINE, { qos: 1, retain: true }));
    await bounded(client.endAsync(!client.connected));
  }

  /**
   * Our own back-off (1 s doubling to 60 s): mqtt.js retries at a fixed period. Its reconnect() is
   * given the client's own stores, or the QoS 1 messages still unacknowledged would be dropped.
   */
  private scheduleReconnect(client: MqttClient): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.stopped) client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
  }

  private async clientOptions(): Promise<IClientOptions> {
    const c = this.opts.config;
    return {
      clientId: c.client_id || `doorstation-${c.node_id}`,
      username: c.username || undefined,
      password: c.password || undefined,
      // Persistent session: the broker keeps our subscription and queued commands across our restarts.
      clean: false,
      // 0: mqtt.js does not retry by itself (scheduleReconnect does, with back-off).
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
      will: { topic: this.topics.availability, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
      ca: c.ca ? await readFile(c.ca) : undefined,
      rejectUnauthorized: c.tls_verify,
    };
  }

  private onConnect(): void {
    this.backoffMs = RECONNECT_FIRST_MS;
    this.opts.log.info(`connected to ${this.opts.config.url}`);
    this.lastError = '';
    const c = this.opts.config;
    this.send(state(this.topics.availability, ONLINE));
    if (c.discovery) for (const m of discoveryMessages(c, this.topics, this.opts.sipIdentity)) this.send(m);
    this.client?.subscribe(this.topics.command, { qos: 1 }, (e) => {
      if (e) this.problem(`subscribe ${this.topics.command}: ${errorMessage(e)}`);
    });
  }

  /** Logged once per kind of failure, until a connection works again: a broker down all night is one line. */
  private problem(message: string): void {
    if (message === this.lastError) return this.opts.log.debug(message);
    this.lastError = message;
    this.opts.log.warn(`${message}; retrying in the background`);
  }

  private send(m: Outgoing): void {
    const client = this.client;
    if (!client || this.stopped) return;
    client.publish(m.topic, m.payload, { qos: this.opts.config.qos as 0 | 1 | 2, retain: m.retain }, (e) => {
      if (e) this.problem(`publish ${m.topic}: ${errorMessage(e)}`);
    });
  }

  private wire(): void {
    if (this.wired) return;
    this.wired = true;
    const { door, opener, gpio, media, events, config } = this.opts;
    const t = this.topics;
    gpio.onPress((button) => {
      this.send(jsonEvent(t.button, { event_type: PRESS_EVENT, button }));
      if (config.picture) setImmediate(() => void this.takePicture());
    });
    door.on('call-state', (c) => {
      this.send(state(t.callState, c.state));
      this.send(jsonEvent(t.callEvent, { id: c.id, state: c.state, from: c.from, reason: c.reason }));
    });
    const contact = this.opts.doorContact;
    opener.on('opened', ({ by, method, relay }) => {
      this.send(jsonEvent(t.doorEvent, { event: 'opened', by, method, relay }));
      // No contact wired: the relay's pulse is when the door can be pushed open.
      if (contact) return;
      this.send(state(t.doorContact, 'ON'));
      clearTimeout(this.contactTimer);
      this.contactTimer = setTimeout(() => this.send(state(t.doorContact, 'OFF')), this.opts.relayPulses?.[relay] ?? this.opts.relayPulseMs);
      this.contactTimer.unref();
    });
    contact?.on('state', ({ open }) => this.send(state(t.doorContact, open ? 'ON' : 'OFF')));
    contact?.on('held-open', ({ seconds }) => this.send(jsonEvent(t.doorEvent, { event: 'held-open', seconds })));
    contact?.on('forced', () => this.send(jsonEvent(t.doorEvent, { event: 'forced' })));
    opener.on('refused', ({ by, method, reason, attempts }) =>
      this.send(jsonEvent(t.doorEvent, { event: 'refused', by, method, reason, attempts: attempts?.count, max_attempts: attempts?.max })),
    );
    opener.on('locked', ({ by, method, attempts, seconds, until }) =>
      this.send(jsonEvent(t.doorEvent, { event: 'locked', by, method, attempts, seconds, until: until.toISOString() })),
    );
    opener.on('unlocked', () => this.send(jsonEvent(t.doorEvent, { event: 'unlocked' })));
    media.on('error', (e) => this.send(jsonEvent(t.mediaEvent, { event: 'error', component: e.component, reason: e.message, retry_in_ms: e.retryInMs })));
    media.on('recovered', (component) => this.send(jsonEvent(t.mediaEvent, { event: 'recovered', component })));
    this.unsubscribe = events.subscribe((e) => {
      if (e.type !== 'registration-state-changed') return;
      const s = e.body.find(([k]) => k === 'State')?.[1];
      if (s !== undefined) this.send(state(t.registration, String(s).replace(/^LinphoneRegistration/, '')));
    });
    this.send(state(t.doorContact, this.opts.doorOpen?.() ? 'ON' : 'OFF'));
  }

  private async takePicture(): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'doorstation-picture-'));
    const file = join(dir, 'visitor.jpg');
    try {
      await this.opts.media.snapshot(file);
      this.send({ topic: this.topics.picture, payload: await readFile(file), retain: true });
    } catch (e) {
      this.opts.log.info(`no visitor picture: ${errorMessage(e)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private onCommand(payload: Buffer): void {
    const cmd = parseMqttCommand(payload);
    const log = this.opts.log;
    switch (cmd.kind) {
      case 'invalid':
        return log.warn(`command refused: ${cmd.reason}`);
      case 'ring': {
        const names = this.opts.door.buttonNames;
        // A name from the network is checked before ring(), which throws on a button it does not know.
        if (cmd.button !== undefined && !names.includes(cmd.button)) return log.warn(`ring refused: ${unknownName('button', cmd.button, names)}`);
        const r = this.opts.door.ring(cmd.button);
        const which = cmd.button === undefined ? '' : ` ${cmd.button}`;
        return log.info(r.already ? `ring${which}: call ${r.id} already running` : `ring${which}: call ${r.id}`);
      }
      case 'terminate': {
        const id = cmd.id ?? this.opts.door.current()?.id;
        if (id === undefined) return log.info('terminate: no call');
        void this.opts.door.terminate(id).catch((e: unknown) => log.warn(`terminate ${id}: ${errorMessage(e)}`));
        return;
      }
      case 'open-door': {
        const c = this.opts.config;
        // Off unless configured: whoever may publish on this topic could otherwise open the door.
        if (!c.allow_open_door) return log.warn('open-door refused: mqtt.allow_open_door is false');
        // Only the relay mqtt.relay_name names (a relay the config checked exists): a publisher cannot pick another.
        if (cmd.relay !== undefined && cmd.relay !== c.relay_name) return log.warn(`open-door refused: no relay "${cmd.relay}" (have "${c.relay_name}")`);
        const r = this.opts.opener.openBy({ by: 'mqtt', method: 'control', relay: c.relay_name });
        if (!r.opened) log.warn(`open-door: not opened (${r.reason})`);
        return;
      }
    }
  }
}
