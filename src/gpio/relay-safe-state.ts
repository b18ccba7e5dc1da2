/**
 * Every relay's off level, written before anything else at start (issue 12
 * row 8, issue 15): a pulse cut short by SIGKILL or power loss leaves sysfs driving
 * the line on, and a restart that then fails (config error, unreadable TLS
 * file, media) would otherwise never get as far as GpioService.start. The
 * line is opened as an output at its off level in one step (as Relay does)
 * and let go without unexporting, so the pin stays off; GpioService opens
 * it again when the daemon gets that far.
 */
import type { RelayHint } from '../config/relay-hint.js';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../log/error-message.js';
import type { GpioBackend, Level } from './backend.js';
import { openOnoffBackend, type OnoffBackendOptions } from './onoff-backend.js';
import { SimBackend, simLevelDir } from './sim-backend.js';

export interface RelayOffOptions {
  log: Logger;
  /** Tests: onoff on a fake tree. */
  onoff?: Omit<OnoffBackendOptions, 'log' | 'roles'>;
}

/** Every relay of the hint, each on its own: one line that fails does not keep the others on. Never throws: a failure here is logged, and the normal start reports the cause properly. */
export async function driveRelayOffEarly(hint: RelayHint, opts: RelayOffOptions): Promise<void> {
  const { log } = opts;
  for (const why of hint.skipped) log.warn(`relay not driven off before start (${why}): it is driven off only once GPIO starts`);
  if (hint.relays.length === 0) return;
  let backend: GpioBackend | undefined;
  try {
    const roles = Object.fromEntries(hint.relays.map((r) => [r.line, 'relay' as const]));
    backend = hint.backend === 'sim' ? new SimBackend({ levelDir: simLevelDir() }) : await openOnoffBackend({ ...opts.onoff, log: log.child('early'), roles });
  } catch (e) {
    log.warn(`could not drive the relay line${hint.relays.length > 1 ? 's' : ''} ${hint.relays.map((r) => r.line).join(', ')} off before start: ${errorMessage(e)}`);
    return;
  }
  try {
    for (const r of hint.relays) {
      const off: Level = r.activeLow ? 1 : 0;
      try {
        backend.openOutput(r.line, off).close();
        log.debug(`relay line ${r.line} driven off (${off}) before start`);
      } catch (e) {
        log.warn(`could not drive the relay line ${r.line} off before start: ${errorMessage(e)}`);
      }
    }
  } finally {
    backend.close();
  }
}
