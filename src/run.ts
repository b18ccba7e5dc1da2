/**
 * The process around the daemon (`doorstation run`): what happens before the
 * config is even validated (signal policy, relay off), then start, systemd
 * readiness and watchdog, and the stop on SIGTERM/SIGINT with its exit code.
 * daemon.ts builds and wires the parts; this file owns the process.
 */
import { Daemon, type DaemonOptions } from './daemon.js';
import { readRelayHint } from './config/relay-hint.js';
import { driveRelayOffEarly } from './gpio/relay-safe-state.js';
import { errorDetail } from './log/error-message.js';
import type { Logger, LogSink } from './log/logger.js';
import { SystemdNotifier } from './systemd/notify.js';

/**
 * What `doorstation run` does before it even validates the config (issue 12
 * rows 8 and 15): the signal policy, then the relay driven to its off level
 * from a minimal read of the file, so no later start failure can leave a
 * relay on that a killed run left on.
 */
export async function prepareStart(configPath: string | undefined, sink: LogSink): Promise<void> {
  installSignalPolicy(sink.logger('daemon'));
  const relay = readRelayHint(configPath);
  if ('hint' in relay) await driveRelayOffEarly(relay.hint, { log: sink.logger('gpio') });
  else sink.logger('gpio').warn(`relay line not known before start (${relay.unknown}): it is driven off only once GPIO starts`);
}

/**
 * SIGHUP is logged and ignored (a reload would have to redo SIP, media and
 * GPIO in place; a restart does that and is cheap). SIGUSR1 would open
 * Node's inspector on 127.0.0.1:9229, a debugger any local user could
 * reach: a listener of our own replaces Node's handler.
 */
function installSignalPolicy(log: Logger): void {
  process.on('SIGHUP', () => log.warn('SIGHUP ignored: restart to apply config changes (systemctl restart doorstation)'));
  process.on('SIGUSR1', () => log.warn('SIGUSR1 ignored (the Node inspector stays off)'));
}

/**
 * `doorstation run`: resolves with the exit code once a signal has stopped
 * the daemon. Errors while starting are the caller's to report (exit 1).
 */
export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const daemon = new Daemon(opts);
  const log = daemon.log;
  process.on('unhandledRejection', (e) => log.error(`unhandled rejection: ${errorDetail(e)}`));
  try {
    await daemon.start();
  } catch (e) {
    await daemon.stop();
    throw e;
  }
  // Type=notify: systemd counts us as started (and starts what waits for us) only now.
  const systemd = new SystemdNotifier({ log: log.child('systemd') });
  void systemd.ready();
  const watchdog = systemd.startWatchdog();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping`);
      watchdog?.stop();
      const notified = systemd.stopping();
      // Bound the shutdown: a peer that never answers our BYE must not keep systemd waiting.
      const force = setTimeout(() => {
        log.error('stop took over 10 s; exiting anyway');
        resolve(1);
      }, 10_000);
      force.unref();
      // Exiting before systemd-notify has run would lose STOPPING=1.
      void Promise.all([daemon.stop(), notified]).then(() => {
        clearTimeout(force);
        log.info('stopped');
        resolve(0);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
