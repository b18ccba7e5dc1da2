/**
 * Every worked setup of the README, run end to end with its TOML taken
 * from the README text (support/readme-setups.ts) and a small substitution
 * table per setup (addresses and ports of the test's own peers, the test
 * certificates, the simulated GPIO and test camera), so the README and
 * what is tested cannot drift apart:
 * - direct call by IP: a SIPp screen answers and types the door code;
 * - the Flexisip-style group: the door registers at `myhouse` (found
 *   through SRV on a real dnsmasq) and calls `everyone@myhouse`, which a
 *   Kamailio alias forks to two screens (the static route's stand-in); the
 *   one that answers opens the door, the other is cancelled;
 * - Kamailio over TLS with a backup: a press rings through the primary;
 *   the primary is stopped, the door registers at the backup, and the next
 *   press rings through the backup.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.js';
import { converse, type RunningDaemon } from '../../support/daemon.js';
import { hasDnsmasq, startDnsmasq } from '../../support/dnsmasq.js';
import { drainEvents } from '../../support/events.js';
import { registered, startDoor, startSippScreen } from '../../support/house.js';
import { hasKamailio, registerContact, startKamailio, type KamailioOptions, type RunningKamailio } from '../../support/kamailio.js';
import { readmeToml, substitute } from '../../support/readme-setups.js';
import { expectScenarioEnded, hasSipp, type RunningSipp } from '../../support/sipp.js';
import { hasOpenssl, makeCerts } from '../../support/tls-certs.js';
import { until } from '../../support/wait.js';

const KAMAILIO_TLS = `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/kamailio/modules/tls.so`;
const hasKamailioTls = hasKamailio && existsSync(KAMAILIO_TLS);
const RELAY_ON = /gpio\.sim: sim: gpio27 = 1(?! \(opened)/;
/** What every setup swaps for the test's: no camera, sound card or GPIO chip here. */
const HARDWARE: Array<[string, string]> = [['backend = "onoff"', 'backend = "sim"']];
const CAMERA: Array<[string, string]> = [['video_source = "libcamera"', 'video_source = "test"']];

const state = async (d: RunningDaemon, id: number): Promise<string> => converse(d.socket, `call-status ${id}\n`);
/** The INVITE reached this SIPp screen through this Kamailio: its Via is on top. */
function expectCameThrough(s: RunningSipp, k: RunningKamailio): void {
  const invite = /^INVITE sip:[\s\S]*?\r?\n\r?\n/m.exec(s.trace())?.[0] ?? s.trace();
  expect(invite).toMatch(new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${k.port};`, 'm'));
}

describe.skipIf(!hasSipp)('README worked setups, end to end', () => {
  const cleanups = useCleanups();



  async function kamailio(opts: KamailioOptions): Promise<RunningKamailio> {
    const k = await startKamailio(opts);
    cleanups.push(() => k.stop());
    return k;
  }

  it('"Direct call to a home screen": the screen by IP answers and opens the door with its code', { timeout: 60_000 }, async () => {
    const s = await startSippScreen(cleanups, 'door-screen-info'); // answers, then types "*#", "1234", "1234" in SIP INFO
    const toml = substitute(readmeToml('Direct call to a home screen'), [
      ['listen = ["udp:0.0.0.0:5060", "tcp:0.0.0.0:5060"]', 'listen = ["udp:127.0.0.1:0"]'],
      ['192.168.1.20', '127.0.0.1'],
      ['192.168.1.30:5060', `127.0.0.1:${s.port}`],
      ['192.168.1.30', '127.0.0.1'],
      ['audio_source = "alsa:plughw:1,0"', 'audio_source = "test"'],
      ['audio_sink = "alsa:plughw:1,0"', 'audio_sink = "fake"'],
      ['open_code = "4711#"', 'open_code = "1234"'], // the code the SIPp screen types
      ...CAMERA,
      ...HARDWARE,
    ]);
    const d = await startDoor(cleanups, toml);
    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await expectScenarioEnded(s);
    await until('call released', async () => (await state(d, 1)).includes('No call with such id') || undefined);
    const opened = (await drainEvents(d)).filter((e) => e.type === 'door-opened');
    expect(opened[0]?.fields).toEqual({ By: `sip:screen@127.0.0.1:${s.port}`, Method: 'info', Relay: 'door' });
    expect(d.output()).toMatch(RELAY_ON);
  });

  it.skipIf(!hasKamailio || !hasDnsmasq)('"Flexisip with a static route": registered at myhouse (SRV), everyone@myhouse forks to two screens through the registrar; the answerer opens the door', { timeout: 60_000 }, async () => {
    const k = await kamailio({ users: { door: 'change-me' }, groups: { everyone: ['kitchen', 'hall'] }, openUsers: ['kitchen', 'hall'] });
    const dns = await startDnsmasq({ srv: [{ owner: '_sip._tcp.myhouse', target: 'flexisip.myhouse', port: k.port }], hosts: { 'flexisip.myhouse': '127.0.0.1' } });
    cleanups.push(() => dns.stop());
    const kitchen = await startSippScreen(cleanups, 'screen-answer-code-rr'); // answers at once, types "1234" through the proxy
    const hall = await startSippScreen(cleanups, 'screen-early-cancelled');
    expect(await registerContact(k, 'kitchen', `sip:screen@127.0.0.1:${kitchen.port}`)).toBe(true);
    expect(await registerContact(k, 'hall', `sip:screen@127.0.0.1:${hall.port}`)).toBe(true);
    const toml = substitute(readmeToml('Flexisip with a static route'), [
      ['listen = ["udp:0.0.0.0:5060", "tcp:0.0.0.0:5060"]', `listen = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]\ndns_servers = ["${dns.server}"]`],
      ['open_code = "4711#"', 'open_code = "1234"'],
      ...CAMERA,
      ...HARDWARE,
    ]);
    const d = await startDoor(cleanups, toml);
    await until('registered at myhouse', registered(d));
    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await expectScenarioEnded(hall); // rang, then Kamailio cancelled it when the kitchen answered
    await expectScenarioEnded(kitchen);
    expectCameThrough(kitchen, k);
    expectCameThrough(hall, k);
    await until('call released', async () => (await state(d, 1)).includes('No call with such id') || undefined);
    const opened = (await drainEvents(d)).filter((e) => e.type === 'door-opened');
    expect(opened[0]?.fields.Method).toBe('info');
    expect(d.output()).toMatch(RELAY_ON);
  });

  it.skipIf(!hasKamailioTls || !hasOpenssl)('"Kamailio as registrar, over TLS, with a backup": a press rings through the primary, and through the backup once the primary is gone', { timeout: 90_000 }, async () => {
    const certs = makeCerts();
    const pw = 'tls-setup-pw';
    const primary = await kamailio({ users: { door: pw }, openUsers: ['homescreen'], tls: certs.server });
    const backup = await kamailio({ users: { door: pw }, openUsers: ['homescreen'], tls: certs.server });
    const first = await startSippScreen(cleanups, 'screen-early-cancelled');
    const second = await startSippScreen(cleanups, 'screen-early-cancelled');
    expect(await registerContact(primary, 'homescreen', `sip:screen@127.0.0.1:${first.port}`)).toBe(true);
    expect(await registerContact(backup, 'homescreen', `sip:screen@127.0.0.1:${second.port}`)).toBe(true);
    const toml = substitute(readmeToml('Kamailio (or Asterisk) as registrar'), [
      ['listen = ["udp:0.0.0.0:5060", "tcp:0.0.0.0:5060", "tls:0.0.0.0:5061"]', 'listen = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0", "tls:127.0.0.1:0"]'],
      ['/etc/doorstation/door-cert.pem', certs.door.cert],
      ['/etc/doorstation/door-key.pem', certs.door.key],
      ['192.168.1.2:5061', `127.0.0.1:${primary.tlsPort}`],
      ['192.168.1.3:5061', `127.0.0.1:${backup.tlsPort}`],
      ['ha1 = "1b2c3d4e5f60718293a4b5c6d7e8f901"', `ha1 = "${createHash('md5').update(`door:myhouse:${pw}`).digest('hex')}"`],
      ...HARDWARE,
    ]);
    // The README's way to trust a private CA.
    const d = await startDoor(cleanups, toml, { env: { NODE_EXTRA_CA_CERTS: certs.ca } });
    await until('registered at the primary over TLS', registered(d));

    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('the screen rings through the primary', async () => (await state(d, 1)).includes('LinphoneCallOutgoingEarlyMedia') || undefined);
    expectCameThrough(first, primary);
    expect(await converse(d.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    await expectScenarioEnded(first);

    await primary.stop();
    await until('registered at the backup', () => /registered at backup sips?:127\.0\.0\.1:\d+/.test(d.output()) || undefined, 30_000);
    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 2\n\n');
    await until('the screen rings through the backup', async () => (await state(d, 2)).includes('LinphoneCallOutgoingEarlyMedia') || undefined, 20_000);
    expectCameThrough(second, backup);
    expect(await converse(d.socket, 'terminate 2\n')).toBe('Status: Ok\n\n');
    await expectScenarioEnded(second);
  });
});
