/**
 * The relay's off level, written before anything else at start (issue 12
 * row 8): a pulse cut short by SIGKILL or power loss leaves sysfs driving
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

/** Never throws: a failure here is logged, and the normal start reports the cause properly. */
export async function driveRelayOffEarly(hint: RelayHint, opts: RelayOffOptions): Promise<void> {
  const { log } = opts;
  if (hint.line < 0) return;
  const off: Level = hint.activeLow ? 1 : 0;
  let backend: GpioBackend | undefined;
  try {
    backend =
      hint.backend === 'sim'
        ? new SimBackend({ levelDir: simLevelDir() })
        : await openOnoffBackend({ ...opts.onoff, log: log.child('early'), roles: { [hint.line]: 'relay' } });
    backend.openOutput(hint.line, off).close();
    log.debug(`relay line ${hint.line} driven off (${off}) before start`);
  } catch (e) {
    log.warn(`could not drive the relay line ${hint.line} off before start: ${errorMessage(e)}`);
  } finally {
    backend?.close();
  }
}
