/**
 * Issue 15 on the built daemon: two relays (door and gate) with their own
 * codes, the exit button and the door contact, with the simulated GPIO and
 * its levels as files (DOORSTATION_SIM_GPIO_DIR), as sysfs value files
 * would be on a Pi.
 *
 * - A SIPp screen answers the door's call and types the gate's code in SIP
 *   INFO: the gate line pulses (at its own, active-low, level), the door
 *   line does not.
 * - `press-exit`: the door relay pulses without a code; door-opened with
 *   Method exit, By exit-button.
 * - The door contact (`door-contact open|closed`): opened after the door
 *   relay's pulse, only door-state; opened with no pulse, or after the
 *   gate's only, door-forced; left open, door-held-open.
 * - A config error at start: both relays, left on by a killed run, are
 *   driven off before the daemon gives up.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnBounded } from '../../support/bounded-process.js';
import { useCleanups } from '../../support/cleanups.js';
import { CLI, converse, tempDir } from '../../support/daemon.js';
import type { TimedEvent } from '../../support/events.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { freePort } from '../../support/ports.js';
import { expectScenarioEnded, hasSipp, startSipp } from '../../support/sipp.js';
import { startWatchedDaemon } from '../../support/watched-daemon.js';
import { until } from '../../support/wait.js';

const DOOR = 27;
const GATE = 22;
const EXIT = 23;
const CONTACT = 24;
const GATE_CODE = '5678';

/** The door active-high, the gate active-low: each relay's own "on" level. */
const DOOR_ON = new RegExp(`gpio\\.sim: sim: gpio${DOOR} = 1(?! \\(opened)`, 'g');
const GATE_ON = new RegExp(`gpio\\.sim: sim: gpio${GATE} = 0(?! \\(opened)`, 'g');

const panelToml = (screenPort: number, rtp: string) =>
  `[call]\ntargets = ["sip:screen@127.0.0.1:${screenPort}"]\nring_timeout = 20\n` +
  `[media]\nrtp_ports = "${rtp}"\n` +
  `[gpio]\nbackend = "sim"\n` +
  `[door]\nallowed = ["sip:screen@127.0.0.1"]\n` +
  `[[relays]]\nname = "door"\nline = ${DOOR}\npulse_ms = 300\nopen_codes = ["1234"]\n` +
  `[[relays]]\nname = "gate"\nline = ${GATE}\nactive_low = true\npulse_ms = 300\nopen_codes = ["${GATE_CODE}"]\n` +
  `[exit_button]\nline = ${EXIT}\nrelay = "door"\n` +
  `[door_contact]\nline = ${CONTACT}\nrelay = "door"\nheld_open_s = 1\n` +
  `[log]\nlevel = "info"\n`;

/** The simulator's level files as a SIGKILL during two pulses leaves them: each relay at its on level. */
function leaveBothOn(levels: string): void {
  for (const [line, on] of [[DOOR, '1'], [GATE, '0']] as const) {
    mkdirSync(join(levels, `gpio${line}`), { recursive: true });
    writeFileSync(join(levels, `gpio${line}`, 'value'), `${on}\n`);
  }
}

const show = (e: TimedEvent) => [e.type, ...Object.entries(e.fields).map(([k, v]) => `${k}=${v}`)].join(' ');

describe.skipIf(!hasSipp)('door panel: gate relay with its own code, exit button, door contact', () => {
  const cleanups = useCleanups();

  it('gate code opens only the gate; exit button opens the door; the contact tells state, forced and held open', async () => {
    const levelRoot = tempDir('doorstation-panel-gpio-');
    cleanups.push(() => rmSync(levelRoot, { recursive: true, force: true }));
    const levels = join(levelRoot, 'gpio');
    // Both relays left on by a killed run: the start drives each off.
    leaveBothOn(levels);
    const [videoPort, audioPort] = await freeUdpPorts(2);
    const screenPort = await freePort();
    const screen = startSipp('door-screen-info-code', screenPort, { videoport: videoPort!, audioport: audioPort!, c1: 5, c2: 6, c3: 7, c4: 8 }, 30_000);
    cleanups.push(() => screen.kill());
    const { d, watch } = await startWatchedDaemon(cleanups, panelToml(screenPort, await freeRtpRange(4)), { env: { DOORSTATION_SIM_GPIO_DIR: levels } });
    const level = (line: number) => readFileSync(join(levels, `gpio${line}`, 'value'), 'utf8').trim();
    const events = () => watch.events.filter((e) => e.type.startsWith('door-')).map(show);
    const count = (re: RegExp) => [...d.output().matchAll(re)].length;
    expect([level(DOOR), level(GATE)]).toEqual(['0', '1']);

    // The door opens with no pulse at all: forced; left open for held_open_s: held open.
    expect(await converse(d.socket, 'door-contact open\n')).toBe('Status: Ok\n\n');
    expect(await watch.next((e) => e.type === 'door-held-open', 10_000), d.output() + JSON.stringify(watch.events)).toBeDefined();
    expect(await converse(d.socket, 'door-contact closed\n')).toBe('Status: Ok\n\n');
    expect(events()).toEqual(['door-state State=open', 'door-forced', 'door-held-open Seconds=1', 'door-state State=closed']);

    // The screen types the gate's code in INFO: the gate pulses, the door does not.
    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await expectScenarioEnded(screen);
    await until('gate pulse over', () => count(GATE_ON) === 1 && level(GATE) === '1');
    expect(count(DOOR_ON)).toBe(0);
    expect(level(DOOR)).toBe('0');
    const by = `sip:screen@127.0.0.1:${screenPort}`;
    expect(events().slice(4)).toEqual([`door-opened By=${by} Method=info Relay=gate`]);
    expect(d.output()).toMatch(/gate opened by sip:screen@127\.0\.0\.1:\d+ via info/);
    // The code is in neither the log nor the events.
    expect(d.output()).not.toMatch(new RegExp(`(?<![0-9A-Za-z])${GATE_CODE}(?![0-9A-Za-z])`));

    // The door opens after the gate's pulse only: still forced (door_contact.relay is the door).
    expect(await converse(d.socket, 'door-contact open\n')).toBe('Status: Ok\n\n');
    expect(await converse(d.socket, 'door-contact closed\n')).toBe('Status: Ok\n\n');
    expect(events().slice(5)).toEqual(['door-state State=open', 'door-forced', 'door-state State=closed']);

    // The exit button opens the door relay without a code; the door then opening is no alarm.
    expect(await converse(d.socket, 'press-exit\n')).toBe('Status: Ok\n\n');
    expect(await converse(d.socket, 'door-contact open\n')).toBe('Status: Ok\n\n');
    expect(await converse(d.socket, 'door-contact closed\n')).toBe('Status: Ok\n\n');
    await until('door pulse over', () => count(DOOR_ON) === 1 && level(DOOR) === '0');
    expect(count(GATE_ON)).toBe(1);
    expect(events().slice(8)).toEqual(['door-opened By=exit-button Method=exit Relay=door', 'door-state State=open', 'door-state State=closed']);

    // open-door names a relay; an unknown name lists the names.
    expect(await converse(d.socket, 'open-door gate\n')).toBe('Status: Ok\n\n');
    expect(await converse(d.socket, 'open-door garage\n')).toBe('Status: Error\nReason: No relay named "garage"; the relays are: door, gate.\n\n');
    await until('second gate pulse over', () => count(GATE_ON) === 2 && level(GATE) === '1');
    expect(await d.stop()).toBe(0);
    expect([level(DOOR), level(GATE)]).toEqual(['0', '1']);
  });

  it('a config error at start: both relays, left on by a killed run, are driven off before the daemon gives up', async () => {
    const dir = tempDir('doorstation-panel-start-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const levels = join(dir, 'gpio');
    leaveBothOn(levels);
    const config = join(dir, 'doorstation.toml');
    writeFileSync(config, `${panelToml(9, '20000-20003')}[door]\nopen_kode = "1"\n`.replace('[door]\nallowed', '[doorx]\nallowed'));
    const run = spawnBounded(process.execPath, [CLI, 'run', '-c', config], { cwd: dir, env: { ...process.env, JOURNAL_STREAM: '', DOORSTATION_SIM_GPIO_DIR: levels }, stdio: ['ignore', 'pipe', 'pipe'] }, 30_000);
    cleanups.push(() => run.kill());
    let out = '';
    run.proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    run.proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    expect(await run.exited).toBe(2);
    expect(out).toContain('unknown section');
    expect(readFileSync(join(levels, `gpio${DOOR}`, 'value'), 'utf8').trim()).toBe('0');
    expect(readFileSync(join(levels, `gpio${GATE}`, 'value'), 'utf8').trim()).toBe('1');
  });
});
