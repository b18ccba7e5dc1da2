/**
 * The README's Flexisip shape (issue 13 item 3, issue 12 row 11): the door
 * calls a group address that a record-routing Kamailio forks to the
 * screens, and a screen that answers types the code in SIP INFO. Who
 * answered is the URI the door called (the group), not the screen, nor
 * what its 200 says: with the group in `door.allowed` the code opens; with
 * only the screen listed it is refused (`not-allowed`), and both the
 * start-up log and `check-config` say so beforehand in a user's words.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { drainEvents } from '../../support/events.js';
import { freeRtpRange, freeUdpPorts } from '../../support/gst-ports.js';
import { hasKamailio, registerContact, startKamailio } from '../../support/kamailio.js';
import { freePort } from '../../support/ports.js';
import { expectScenarioEnded, hasSipp, startSipp } from '../../support/sipp.js';

const RELAY_ON = /gpio\.sim: sim: gpio27 = 1(?! \(opened)/g;
const WARNING = 'screens answering calls to sip:everyone@myhouse cannot open the door by code';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function house(allowed: string[]): Promise<{ door: RunningDaemon; screen: ReturnType<typeof startSipp> }> {
  const k = await startKamailio({ groups: { everyone: ['screen1'] }, openUsers: ['screen1'] });
  cleanups.push(() => k.stop());
  const [videoPort, audioPort] = await freeUdpPorts(2);
  const sipPort = await freePort();
  const screen = startSipp('door-screen-info-rr', sipPort, { videoport: videoPort!, audioport: audioPort! }, 30_000);
  cleanups.push(() => screen.kill());
  expect(await registerContact(k, 'screen1', `sip:screen@127.0.0.1:${sipPort}`)).toBe(true);
  const door = await startDaemon(
    `[account]\noutbound_proxy = "sip:127.0.0.1:${k.port}"\n` +
      `[call]\ntargets = ["sip:everyone@myhouse"]\nring_timeout = 20\n` +
      `[media]\nrtp_ports = "${await freeRtpRange(4)}"\n` +
      `[gpio]\nbackend = "sim"\nrelay = 27\nrelay_pulse_ms = 200\n` +
      `[door]\nopen_code = "1234"\nallowed = [${allowed.map((a) => `"${a}"`).join(', ')}]\n`,
  );
  cleanups.push(async () => {
    await door.stop();
    door.cleanup();
  });
  return { door, screen };
}

const codeEvents = async (d: RunningDaemon) =>
  (await drainEvents(d)).filter((e) => e.type.startsWith('door-')).map((e) => `${e.type} ${e.fields.By} ${e.fields.Reason ?? ''}`.trim());

describe.skipIf(!hasSipp || !hasKamailio)('a group call through a forking proxy, and the code typed by the screen that answered', () => {
  it('the group in door.allowed: the code opens, by the group; no warning', async () => {
    const { door, screen } = await house(['sip:everyone@myhouse']);
    expect(door.output()).not.toContain(WARNING);
    expect(await converse(door.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await expectScenarioEnded(screen);
    // "*" (a wrong entry), then 1234 twice (dtmf-relay, then application/dtmf).
    expect(await codeEvents(door)).toEqual(['door-refused sip:everyone@myhouse wrong-code', 'door-opened sip:everyone@myhouse', 'door-opened sip:everyone@myhouse']);
    expect([...door.output().matchAll(RELAY_ON)].length).toBe(2);
  });

  it('only the screen in door.allowed: check-config and the start-up log warn, and the code is refused (not-allowed)', async () => {
    const { door, screen } = await house(['sip:screen1@myhouse']);
    expect(door.output()).toContain(WARNING);
    const check = spawnSync(process.execPath, [CLI, 'check-config', '-c', join(door.dir, 'doorstation.toml')], { encoding: 'utf8', timeout: 20_000 });
    expect(check.status).toBe(0);
    expect(check.stderr).toContain(`warning: call.targets has sip:everyone@myhouse, which door.allowed does not list: ${WARNING}`);
    expect(await converse(door.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await expectScenarioEnded(screen);
    expect(await codeEvents(door)).toEqual(Array(3).fill('door-refused sip:everyone@myhouse not-allowed'));
    expect([...door.output().matchAll(RELAY_ON)].length).toBe(0);
  });
});
