/**
 * Wires the parts together, in layer order, and takes them down in reverse
 * on SIGTERM/SIGINT (SPEC section 1: exit 0 after a clean stop).
 */
import type { Config } from './config/schema.js';
import { basicCommands } from './control/commands/basic-commands.js';
import { EventBus } from './control/event-bus.js';
import { CommandRegistry } from './control/registry.js';
import { ControlServer } from './control/server.js';
import { publishDoorContactEvents, publishDoorEvents } from './control/events/door-events.js';
import { publishGpioEvents } from './control/events/gpio-events.js';
import { publishMediaEvents } from './control/events/media-events.js';
import { registrationCommands } from './control/commands/registration-commands.js';
import { registrationEvent } from './control/events/registration-events.js';
import { SipStack } from './sip/core/sip-stack.js';
import { callCommands } from './control/commands/call-commands.js';
import { snapshotCommands } from './control/commands/snapshot-command.js';
import { pictureDir, stateDir } from './config/paths.js';
import { historyCommands } from './control/commands/history-command.js';
import { publishHistoryEvents } from './control/events/history-events.js';
import { createCallRecorder } from './door/history/call-recorder.js';
import { publishCallEvents } from './control/events/call-events.js';
import { DoorStation } from './door/door-station.js';
import { configWarnings } from './door/config-warnings.js';
import { LazyMediaEngine } from './media/lazy-media-engine.js';
import type { MediaEngine } from './media/media-engine.js';
import { parseListen } from './sip/transport/endpoint.js';
import { RegistrationClient } from './sip/registration/registration-client.js';
import type { DigestCredentials } from './sip/auth/index.js';
import { userPartOf } from './sip/message/index.js';
import { readFileSync } from 'node:fs';
import { openDoorCommands } from './control/commands/open-door-command.js';
import { DoorOpener } from './door/opener/door-opener.js';
import { pressCommands } from './control/commands/press-command.js';
import { GpioService } from './gpio/gpio-service.js';
import type { Logger, LogSink } from './log/logger.js';
import { takeListenFds } from './systemd/listen-fds.js';
import { VERSION } from './version.js';
import { errorMessage } from './log/error-message.js';
import { secretValues } from './config/load.js';
import { effectiveButtons } from './config/buttons.js';
import { daemonClock } from './clock.js';
import { publishRingEvents } from './control/events/ring-events.js';
import { relaySpecs, type RelaySpec } from './config/relays.js';
import { DoorContactMonitor } from './door/door-contact-monitor.js';
import { panelCommands } from './control/commands/panel-commands.js';
import { warmCallPath } from './door/call/warm-up.js';

/** A part of the daemon with a life: started in order, stopped in reverse. */
export interface Service {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  config: Config;
  /** Undefined when running on built-in defaults (demo mode). */
  configFile: string | undefined;
  sink: LogSink;
}

export class Daemon {
  readonly log: Logger;
  readonly events: EventBus;
  readonly commands: CommandRegistry;
  readonly gpio: GpioService;
  readonly opener: DoorOpener;
  readonly contact: DoorContactMonitor;
  readonly sip: SipStack;
  /** Set later when mDNS finds the registrar (mdns.discover_registrar). */
  registration: RegistrationClient | undefined;
  readonly media: MediaEngine;
  readonly door: DoorStation;
  private readonly services: Service[] = [];
  private readonly started: Service[] = [];

  constructor(private readonly opts: DaemonOptions) {
    const { config, sink } = opts;
    sink.level = config.log.level;
    for (const secret of secretValues(config)) sink.addSecret(secret);
    this.log = sink.logger('daemon');
    this.events = new EventBus(sink.logger('events'));
    this.commands = new CommandRegistry(sink.logger('control'));
    this.commands.add(...basicCommands(this.commands, this.events));

    // GPIO first: its start drives the relay off before anything else runs, and it stops last.
    // Relays, exit button, door contact (issue 15): each relay with its codes; the exit button opens its relay without one.
    const relays = relaySpecs(config);
    const panel = { relays, exitButton: config.exit_button, doorContact: config.door_contact };
    this.gpio = new GpioService({ config: config.gpio, panel, log: sink.logger('gpio'), buttons: effectiveButtons(config) });
    publishGpioEvents(this.gpio, this.events);
    this.opener = new DoorOpener({ config: config.door, relays, relay: this.gpio, log: sink.logger('door') });
    publishDoorEvents(this.opener, this.events);
    this.gpio.panel.onExit(() => void this.opener.openBy({ by: 'exit-button', method: 'exit', relay: config.exit_button.relay }));
    this.contact = new DoorContactMonitor({ config: config.door_contact, panel: this.gpio.panel, log: sink.logger('door') });
    publishDoorContactEvents(this.contact, this.events);
    this.commands.add(...pressCommands(this.gpio), ...openDoorCommands(this.opener), ...panelCommands(this.gpio.panel));
    this.services.push(this.gpio, this.opener, this.contact);

    // Media before SIP, and stopped after it: a call SIP lets in finds its RTP ports bound.
    // It binds where SIP does when SIP names one address (tests, multi-homed boards).
    // Its modules and GStreamer load when it starts, after the control socket and SIP (issue 14).
    const sipHost = parseListen(config.sip.listen[0]!).host;
    this.media = new LazyMediaEngine({ config: config.media, bindAddress: sipHost === '::' ? '0.0.0.0' : sipHost, log: sink.logger('media') });
    publishMediaEvents(this.media, this.events);
    this.services.push({ name: 'media', start: () => this.media.start(), stop: () => this.media.stop() });

    this.sip = new SipStack({
      listen: config.sip.listen,
      userAgent: config.sip.user_agent,
      log: sink.logger('sip'),
      outboundProxy: config.account.outbound_proxy || undefined,
      directIp: config.call.direct_ip,
      dnsServers: config.sip.dns_servers,
      resolveLocal: config.mdns.enabled && config.mdns.resolve_local ? lazyLocalResolver(config.mdns.interface) : undefined,
      tls: {
        verify: config.sip.tls_verify,
        cert: readPem('sip.tls_cert', config.sip.tls_cert),
        key: readPem('sip.tls_key', config.sip.tls_key),
      },
    });
    this.services.push({ name: 'sip', start: () => this.sip.start(), stop: () => this.sip.stop() });
    this.registration = this.createRegistration(config, sink);
    this.commands.add(...registrationCommands(() => this.registration));
    const clock = daemonClock();
    if (clock.notice) this.log.warn(clock.notice);
    this.door = new DoorStation({
      config,
      clock: clock.now,
      stack: this.sip,
      media: this.media,
      opener: this.opener,
      log: sink.logger('door'),
      credentials: credentialsOf(config),
      setLed: (on) => this.gpio.setLed(on),
      registrationProblem: () => {
        const r = this.registration;
        // Only a failure is news: Progress (re-registering) says nothing yet about why a call failed.
        if (r?.state !== 'Failed') return undefined;
        return `not registered: ${r.lastFailure ?? 'registration failed'}`;
      },
      // Over UDP a registrar that restarted (and lost our binding) or went away says nothing; an INVITE
      // it left unanswered is the first sign, so re-register now rather than at the next refresh.
      onUnreachable: (hops) => {
        for (const h of hops) this.registration?.flowFailed(h.host, h.port);
      },
    });
    publishRingEvents(this.door, this.events);
    publishCallEvents(this.door, this.events);
    this.gpio.onPress((button) => void this.door.ring(button));
    this.commands.add(...callCommands(this.door, this.media), ...snapshotCommands(this.media, pictureDir(config.media.picture_dir)));
    // Visitor pictures and the call log (issue 15); a service before door's, so it stops after the calls end.
    const history = config.history.enabled
      ? createCallRecorder({ config: config.history, stateDir: stateDir(), pictureDir: pictureDir(config.media.picture_dir), door: this.door, opener: this.opener, media: this.media, log: sink.logger('history') })
      : undefined;
    if (history) {
      publishHistoryEvents(history, this.events);
      this.services.push(history);
    }
    this.commands.add(...historyCommands(history));
    this.services.push({ name: 'door', start: async () => {}, stop: () => this.door.stop() });

    const [listenFd] = takeListenFds();
    const control = new ControlServer({
      path: config.control.socket,
      mode: config.control.mode,
      listenFd,
      registry: this.commands,
      events: this.events,
      log: sink.logger('control'),
    });
    this.services.push({ name: 'control', start: () => control.start(), stop: () => control.stop() });
    this.addHomeServices(config, sink, relays);
  }

  /**
   * MQTT and mDNS (issue 16): off by default, and their modules and libraries are imported in start()
   * only when on, so a door without them uses no memory for them. Their failures are logged and retried
   * inside them; the door never waits on them.
   */
  private addHomeServices(config: Config, sink: LogSink, relays: RelaySpec[]): void {
    if (config.mqtt.enabled) {
      sink.addSecret(config.mqtt.password);
      this.services.push(
        this.optionalService('mqtt', async () => {
          const { MqttBridge } = await import('./mqtt/mqtt-bridge.js');
          return new MqttBridge({
            config: config.mqtt,
            sipIdentity: config.sip.identity,
            relayPulseMs: config.gpio.relay_pulse_ms,
            relayPulses: Object.fromEntries(relays.map((r) => [r.name, r.pulseMs])),
            doorContact: config.door_contact.line >= 0 ? this.contact : undefined,
            doorOpen: () => this.gpio.panel.doorOpen,
            door: this.door,
            opener: this.opener,
            gpio: this.gpio,
            media: this.media,
            events: this.events,
            log: sink.logger('mqtt'),
          });
        }),
      );
    }
    if (config.mdns.enabled) {
      this.services.push(
        this.optionalService('mdns', async () => {
          const { MdnsService } = await import('./mdns/mdns-service.js');
          // Discovery fills in what the file leaves empty; configured screens come back when the announced ones go.
          const configured = [...config.call.targets];
          return new MdnsService({
            config: config.mdns,
            identity: config.sip.identity,
            version: VERSION,
            transports: () => this.sip.transports.map((t) => ({ protocol: t.protocol, port: t.local.port })),
            onRegistrar: this.registration
              ? undefined
              : (uri) => void this.registerWith(config, sink, uri).catch((e: unknown) => this.log.error(`registering with ${uri}: ${errorMessage(e)}`)),
            onScreens: (uris) => config.call.targets.splice(0, config.call.targets.length, ...(uris.length > 0 ? uris : configured)),
            log: sink.logger('mdns'),
          });
        }),
      );
    }
  }

  /**
   * A service whose module is imported at start and that the door can do without: a failure to start
   * (a CA file that cannot be read, say) is logged and the rest goes on; only a started one is stopped.
   */
  private optionalService(name: string, create: () => Promise<Service>): Service {
    let service: Service | undefined;
    return {
      name,
      start: async () => {
        const s = await create();
        await s.start().then(
          () => (service = s),
          (e: unknown) => this.log.error(`${name} not started: ${errorMessage(e)}`),
        );
      },
      stop: async () => service?.stop(),
    };
  }

  /** A registrar found on the LAN (mdns.discover_registrar with no account.registrar): register as with a configured one. */
  private async registerWith(config: Config, sink: LogSink, registrar: string): Promise<void> {
    const before = this.services.length;
    this.registration = this.createRegistration({ ...config, account: { ...config.account, registrar } }, sink);
    for (const s of this.services.splice(before)) {
      await s.start();
      this.started.push(s);
    }
  }

  private createRegistration(config: Config, sink: LogSink): RegistrationClient | undefined {
    const a = config.account;
    if (!a.registrar) return undefined;
    const registration = new RegistrationClient({
      stack: this.sip,
      aor: config.sip.identity,
      registrar: a.registrar,
      backupRegistrar: a.backup_registrar || undefined,
      credentials: credentialsOf(config),
      expires: a.expires,
      log: sink.logger('register'),
      onStateChange: (state, detail) => this.events.publish(registrationEvent(state, detail)),
    });
    this.sip.addDelegate({ onFlowClosed: (remote) => registration.flowFailed(remote.host, remote.port) });
    // Calls go where the binding is, like a registered phone's (core/route.ts).
    this.sip.useRegistrar(() => registration.hop);
    if (!a.outbound_proxy) {
      const byIp = config.call.direct_ip === 'direct' ? '; targets named by IP address are called directly (call.direct_ip)' : '';
      this.log.info(`while registered, calls go through the registrar that holds the registration${byIp}`);
    }
    this.services.push({ name: 'registration', start: async () => registration.start(), stop: () => registration.stop() });
    return registration;
  }

  async start(): Promise<void> {
    const { configFile } = this.opts;
    this.log.info(`doorstation ${VERSION} starting, ${configFile ? `config ${configFile}` : 'no config file: demo mode (test camera and microphone, simulated GPIO)'}`);
    for (const w of configWarnings(this.opts.config)) this.log.warn(w);
    let release!: () => void;
    this.commands.holdUntil(new Promise<void>((r) => (release = r)));
    try {
      for (const s of startOrder(this.services)) {
        await s.start();
        this.started.push(s);
      }
    } finally {
      release();
    }
    this.log.info('ready');
    // Issue 14: the first press runs compiled code (door/call/warm-up.ts); after ready, so it holds nothing up.
    const { config } = this.opts;
    setImmediate(() => warmCallPath(config.call.targets, this.media, config.media.srtp, config.sip.identity));
  }

  /** Stops what started, in reverse; one part failing to stop does not keep the others up. */
  async stop(): Promise<void> {
    while (this.started.length > 0) {
      const s = this.started.pop()!;
      try {
        await s.stop();
      } catch (e) {
        this.log.error(`stopping ${s.name}: ${errorMessage(e)}`);
      }
    }
  }
}

/**
 * The control socket and SIP start right after GPIO, before media (issue 14:
 * a door takes a command within ~100 ms of start instead of after the camera
 * and encoders are up); commands are held until every service has started
 * (CommandRegistry.holdUntil), so a `ring` then still finds media ready.
 * Stopping runs in reverse: media, then SIP, the control socket last.
 */
function startOrder(services: Service[]): Service[] {
  const early = ['control', 'sip'].flatMap((n) => services.filter((s) => s.name === n));
  const rest = services.filter((s) => !early.includes(s));
  const at = rest.findIndex((s) => s.name === 'media');
  return at < 0 ? services : [...rest.slice(0, at), ...early, ...rest.slice(at)];
}

/** Digest credentials from `[account]`; the user defaults to the identity's user part (SPEC section 2). */
function credentialsOf(config: Config): DigestCredentials | undefined {
  const a = config.account;
  const username = a.username || userPartOf(config.sip.identity) || 'door';
  if (a.password) return { username, password: a.password };
  if (a.ha1) return { username, ha1: a.ha1 };
  return undefined;
}

function readPem(key: string, path: string): Buffer | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${key} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/**
 * `.local` names for SIP over multicast DNS: the resolver (and multicast-dns)
 * is loaded at the first `.local` name, so a door that never calls one pays nothing.
 */
function lazyLocalResolver(iface: string): (host: string) => Promise<string | undefined> {
  let resolver: Promise<{ resolve(host: string): Promise<string | undefined> }> | undefined;
  return async (host) => {
    resolver ??= import('./mdns/local-resolver.js').then(
      ({ LocalResolver }) => new LocalResolver(iface ? { mdns: { interface: iface, bind: '0.0.0.0' } } : {}),
    );
    return (await resolver).resolve(host);
  };
}
