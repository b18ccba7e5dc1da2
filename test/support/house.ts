/**
 * The parts of a small house a door test starts, each put on the test's
 * cleanup list: the door (its own RTP ports, debug log) and SIPp screens
 * (their own media ports). `[media]` and `[log]` are added to the TOML as
 * tables or into the ones it has (TOML forbids a table twice).
 */
import type { Cleanups } from './cleanups.js';
import { converse, type RunningDaemon, type StartOptions } from './daemon.js';
import { freeRtpRange, freeUdpPorts } from './gst-ports.js';
import { freePort } from './ports.js';
import { startSipp, type RunningSipp } from './sipp.js';
import { startDaemonCleanedBy } from './watched-daemon.js';

/** Adds `lines` at the top of `[table]`, or the table with them at the end when the TOML has none. */
export function withTable(text: string, table: string, lines: string): string {
  const header = `[${table}]\n`;
  return text.includes(header) ? text.replace(header, `${header}${lines}\n`) : `${text}${header}${lines}\n`;
}

export async function startDoor(cleanups: Cleanups, toml: string, opts: StartOptions = {}): Promise<RunningDaemon> {
  const withMedia = withTable(toml, 'media', `rtp_ports = "${await freeRtpRange(8)}"`);
  return startDaemonCleanedBy(cleanups, withTable(withMedia, 'log', 'level = "debug"'), { timeoutMs: 120_000, ...opts });
}

/** A SIPp home screen running `scenario` as UAS on a free port, with free video and audio ports for its SDP. */
export async function startSippScreen(cleanups: Cleanups, scenario: string): Promise<RunningSipp> {
  const [videoport, audioport] = await freeUdpPorts(2);
  const s = startSipp(scenario, await freePort(), { videoport: videoport!, audioport: audioport! });
  cleanups.push(() => s.kill());
  return s;
}

/** True once the door's registration is Ok (for `until`). */
export const registered = (d: RunningDaemon) => async (): Promise<true | undefined> => (await converse(d.socket, 'register-status 1\n')).includes('State: LinphoneRegistrationOk') || undefined;
