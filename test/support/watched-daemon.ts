/**
 * The built daemon as an interop test uses it: started with a config, its
 * stop and temp-dir removal pushed on the test's cleanups, and (for tests
 * that time or wait on events) watched with `events on`.
 */
import type { Cleanups } from './cleanups.js';
import { startDaemon, type RunningDaemon, type StartOptions } from './daemon.js';
import { watchEvents, type EventWatch } from './events.js';

/** `startDaemon(extraToml, opts)`, stopped and removed by `cleanups`. */
export async function startDaemonCleanedBy(cleanups: Cleanups, extraToml: string, opts: StartOptions = {}): Promise<RunningDaemon> {
  const d = await startDaemon(extraToml, opts);
  cleanups.push(async () => {
    await d.stop();
    d.cleanup();
  });
  return d;
}

/**
 * The daemon as `startDaemonCleanedBy` starts it, with an event watch that
 * is ready once `events on` is acknowledged (nothing pushed after that is
 * missed); the watch closes before the daemon stops.
 */
export async function startWatchedDaemon(cleanups: Cleanups, extraToml: string, opts: StartOptions = {}): Promise<{ d: RunningDaemon; watch: EventWatch }> {
  const d = await startDaemonCleanedBy(cleanups, extraToml, opts);
  const watch = await watchEvents(d);
  cleanups.push(() => watch.close());
  return { d, watch };
}
