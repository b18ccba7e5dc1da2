/**
 * Wires the parts together, in layer order, and takes them down in reverse
 * on SIGTERM/SIGINT (SPEC section 1: exit 0 after a clean stop).
 */
import type { Config } from './config/schema.js';
import { basicCommands } from './control/basic-commands.js';
import { EventBus } from './control/event-bus.js';
import { CommandRegistry } from './control/registry.js';
import { ControlServer } from './control/server.js';
import { doorOpenerCommands } from './door/door-opener-commands.js';
import { DoorOpener } from './door/door-opener.js';
import { gpioCommands } from './gpio/gpio-commands.js';
import { GpioService } from './gpio/gpio-service.js';
import type { Logger, LogSink } from './log/logger.js';
import { takeListenFds } from './systemd/listen-fds.js';
import { VERSION } from './version.js';

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
  private readonly services: Service[] = [];
  private readonly started: Service[] = [];

  constructor(private readonly opts: DaemonOptions) {
    const { config, sink } = opts;
    sink.level = config.log.level;
    for (const secret of [config.account.password, config.account.ha1, config.door.open_code]) sink.addSecret(secret);
    this.log = sink.logger('daemon');
    this.events = new EventBus(sink.logger('events'));
    this.commands = new CommandRegistry(sink.logger('control'));
    this.commands.add(...basicCommands(this.commands, this.events));

    // GPIO first: its start drives the relay off before anything else runs, and it stops last.
    this.gpio = new GpioService({ config: config.gpio, events: this.events, log: sink.logger('gpio') });
    this.opener = new DoorOpener({ config: config.door, relay: this.gpio, events: this.events, log: sink.logger('door') });
    this.commands.add(...gpioCommands(this.gpio), ...doorOpenerCommands(this.opener));
    this.services.push(this.gpio, this.opener);

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
  }

  async start(): Promise<void> {
    const { configFile } = this.opts;
    this.log.info(`doorstation ${VERSION} starting, ${configFile ? `config ${configFile}` : 'no config file: demo mode (test camera and microphone, simulated GPIO)'}`);
    for (const s of this.services) {
      await s.start();
      this.started.push(s);
    }
    this.log.info('ready');
  }

  /** Stops what started, in reverse; one part failing to stop does not keep the others up. */
  async stop(): Promise<void> {
    while (this.started.length > 0) {
      const s = this.started.pop()!;
      try {
        await s.stop();
      } catch (e) {
        this.log.error(`stopping ${s.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}

/**
 * `doorstation run`: resolves with the exit code once a signal has stopped
 * the daemon. Errors while starting are the caller's to report (exit 1).
 */
export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const daemon = new Daemon(opts);
  const log = daemon.log;
  process.on('unhandledRejection', (e) => log.error(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  try {
    await daemon.start();
  } catch (e) {
    await daemon.stop();
    throw e;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping`);
      // Bound the shutdown: a peer that never answers our BYE must not keep systemd waiting.
      const force = setTimeout(() => {
        log.error('stop took over 10 s; exiting anyway');
        resolve(1);
      }, 10_000);
      force.unref();
      void daemon.stop().then(() => {
        clearTimeout(force);
        log.info('stopped');
        resolve(0);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
