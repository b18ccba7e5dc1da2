/**
 * Zero configuration on a home LAN against a real responder: Debian's
 * avahi-daemon in its own network namespace announces a registrar (a
 * Kamailio) and a screen (SIPp); the door, with no registrar and no
 * screen configured, finds both, registers and calls the screen. `.local`
 * names that avahi holds resolve over mDNS without nss-mdns, and the door's
 * own `_sip._udp` announcement is seen on the LAN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAvahiLan, avahiInstalled, type AvahiLan } from '../../support/avahi.js';
import { hasKamailio, startKamailio, type RunningKamailio } from '../../support/kamailio.js';
import { hasSipp, startSipp, expectScenarioEnded } from '../../support/sipp.js';
import { freePort } from '../../support/ports.js';
import { converse, startDaemon } from '../../support/daemon.js';
import { until } from '../../support/wait.js';
import { LocalResolver } from '../../../src/mdns/local-resolver.js';

let lan: AvahiLan;
let kamailio: RunningKamailio;
let screenPort: number;

/** A screen (SIPp, answering 486) at the address avahi holds its names for. */
const startScreen = () => startSipp('screen-busy', screenPort, {}, { host: lan.avahiAddress, wrap: ['ip', 'netns', 'exec', lan.ns] });

/** The door on the LAN with mDNS on: `sections` before [mdns], `mdns` its further keys. */
const startDoorOnLan = (sections: string[], mdns: string[]) =>
  startDaemon(
    ['[sip]', `listen = ["udp:${lan.localAddress}:0"]`, 'identity = "sip:door@myhouse"', ...sections, '[mdns]', 'enabled = true', `interface = "${lan.localAddress}"`, ...mdns].join('\n'),
  );

describe.skipIf(!avahiInstalled || !hasKamailio || !hasSipp)('mDNS / DNS-SD with avahi-daemon', () => {
  beforeAll(async () => {
    const registrarPort = await freePort();
    screenPort = await freePort();
    lan = await startAvahiLan(
      [
        { name: 'Home registrar', type: '_sip._udp', port: registrarPort, host: 'registrar.local', txt: ['role=registrar'] },
        { name: 'Kitchen screen', type: '_sip._udp', port: screenPort, txt: ['role=screen', 'user=kitchen'] },
      ],
      { 'registrar.local': 'LOCAL' },
    );
    kamailio = await startKamailio({ port: registrarPort, host: lan.localAddress, users: { door: 'secret' } });
  });
  afterAll(async () => {
    await kamailio?.stop();
    await lan?.stop();
  });

  it('resolves .local names over mDNS itself', async () => {
    const r = new LocalResolver({ mdns: { interface: lan.localAddress, bind: '0.0.0.0' } });
    try {
      expect(await r.resolve(`${lan.avahiHost}.local`)).toBe(lan.avahiAddress);
      expect(await r.resolve('registrar.local')).toBe(lan.localAddress);
      expect(await r.resolve(`nobody-${lan.avahiHost}.local`)).toBeUndefined();
    } finally {
      r.close();
    }
  });

  it('reaches a call target named by a .local host (mdns.resolve_local, no nss-mdns)', async () => {
    const screen = startScreen();
    const door = await startDoorOnLan(['[call]', `targets = ["sip:kitchen@${lan.avahiHost}.local:${screenPort}"]`], ['publish = false']);
    try {
      await converse(door.socket, 'press\n', { quietMs: 300 });
      // The screen (SIPp, at the address avahi holds the name for) answers 486: the INVITE reached it.
      await expectScenarioEnded(screen);
    } finally {
      screen.kill();
      await door.stop();
      door.cleanup();
    }
  }, 60_000);

  it('with no registrar configured, finds the announced one, registers, and calls the announced screen', async () => {
    const screen = startScreen();
    const door = await startDoorOnLan(['[account]', 'password = "secret"'], ['instance_name = "Front door"', 'discover_registrar = true', 'discover_targets = true']);
    try {
      await until('registered', () => door.output().includes('State=LinphoneRegistrationOk'), 20_000);
      expect(door.output()).toContain(`registrar "Home registrar" announced: sip:${lan.localAddress}:${kamailio.port}`);
      const status = await converse(door.socket, 'register-status 1\n', { quietMs: 300 });
      expect(status).toContain('State: LinphoneRegistrationOk');

      await until('screen found', () => door.output().includes(`screen "Kitchen screen" announced: sip:kitchen@${lan.avahiAddress}:${screenPort}`), 20_000);
      await converse(door.socket, 'press\n', { quietMs: 300 });
      // The screen (SIPp) answers 486 Busy: it was reached, and the scenario ends only after the INVITE came.
      await expectScenarioEnded(screen);

      // The door's own announcement, as a screen on the LAN would browse for it.
      const { Bonjour } = await import('bonjour-service');
      const b = new Bonjour({ interface: lan.localAddress, bind: '0.0.0.0' } as never);
      try {
        const found = await until('door announced', () =>
          new Promise<{ port: number; txt?: Record<string, unknown> } | undefined>((resolve) => {
            const br = b.find({ type: 'sip', protocol: 'udp' });
            const t = setTimeout(() => {
              br.stop();
              resolve(undefined);
            }, 1500);
            br.on('up', (s) => {
              if (s.name !== 'Front door') return;
              clearTimeout(t);
              br.stop();
              resolve(s);
            });
          }),
        );
        expect(found.txt).toMatchObject({ role: 'door', identity: 'sip:door@myhouse', user: 'door' });
      } finally {
        b.destroy();
      }
    } finally {
      screen.kill();
      await door.stop();
      door.cleanup();
    }
  }, 60_000);
});
