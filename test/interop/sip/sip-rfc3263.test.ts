/**
 * RFC 3263 against a real name server (dnsmasq on 127.0.0.1, given to the
 * daemon with `sip.dns_servers`) and a real registrar (Kamailio):
 * - a domain with only NAPTR and SRV records: the door finds the registrar
 *   through them, registers, and a press to a screen of that domain goes
 *   through the registrar (no outbound_proxy), like a registered phone's;
 * - SRV priorities and failover (§4.3): the first target refuses the TCP
 *   connection, the REGISTER goes to the next one; an INVITE answered 503
 *   by the first SRV target of a screen domain goes to the next, and the
 *   CANCEL follows it there.
 */
import { describe, expect, it } from 'vitest';
import { useCleanups } from '../../support/cleanups.js';
import { converse } from '../../support/daemon.js';
import { hasDnsmasq, startDnsmasq, type DnsRecords } from '../../support/dnsmasq.js';
import { registered, startDoor, startSippScreen } from '../../support/house.js';
import { hasKamailio, registerContact, startKamailio } from '../../support/kamailio.js';
import { freePort } from '../../support/ports.js';
import { expectScenarioEnded, hasSipp } from '../../support/sipp.js';
import { until } from '../../support/wait.js';


describe.skipIf(!hasDnsmasq || !hasKamailio || !hasSipp)('RFC 3263 with a real name server', () => {
  const cleanups = useCleanups();

  async function dns(records: DnsRecords): Promise<string> {
    const d = await startDnsmasq(records);
    cleanups.push(() => d.stop());
    return d.server;
  }



  it('a domain with only NAPTR and SRV records: registers there, and the call goes through the registrar', { timeout: 60_000 }, async () => {
    const k = await startKamailio({ users: { door: 'dns-pw' }, openUsers: ['homescreen'] });
    cleanups.push(() => k.stop());
    const server = await dns({
      naptr: [{ owner: 'myhouse', order: 10, preference: 10, service: 'SIP+D2T', replacement: '_sip._tcp.myhouse' }],
      srv: [{ owner: '_sip._tcp.myhouse', target: 'pbx.myhouse', port: k.port }],
      hosts: { 'pbx.myhouse': '127.0.0.1' },
    });
    const s = await startSippScreen(cleanups, 'screen-early-cancelled');
    expect(await registerContact(k, 'homescreen', `sip:screen@127.0.0.1:${s.port}`)).toBe(true);
    const d = await startDoor(cleanups, 
      `[sip]\nlisten = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]\nidentity = "sip:door@myhouse"\ndns_servers = ["${server}"]\n` +
        `[account]\nregistrar = "sip:myhouse"\npassword = "dns-pw"\nexpires = 60\n[call]\ntargets = ["sip:homescreen@myhouse"]\nring_timeout = 20\n`,
    );
    await until('registered through NAPTR → SRV → A', registered(d));
    // NAPTR said TCP: the REGISTER went over TCP to the SRV target's port.
    expect(k.log()).toMatch(/REGISTER from door over tcp/);

    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('the screen rings', async () => (await converse(d.socket, 'call-status 1\n')).includes('LinphoneCallOutgoingEarlyMedia') || undefined);
    // The INVITE reached the screen through Kamailio (its Via on top), which the door reached with a preloaded Route.
    expect(s.trace()).toMatch(new RegExp(`INVITE sip:screen@127\\.0\\.0\\.1:${s.port} SIP/2\\.0[\\s\\S]*Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${k.port};branch=`));
    expect(d.output()).not.toMatch(/cannot resolve/);
    expect(await converse(d.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    await expectScenarioEnded(s); // the CANCEL went the INVITE's way
  });

  it('tries SRV targets by priority: a refused connection moves the REGISTER on, a 503 moves the INVITE and its CANCEL on', { timeout: 60_000 }, async () => {
    const k = await startKamailio({ users: { door: 'dns-pw' } });
    cleanups.push(() => k.stop());
    const dead = await freePort(); // nothing listens there: TCP connect is refused at once
    const unavailable = await startSippScreen(cleanups, 'screen-unavailable');
    const ringing = await startSippScreen(cleanups, 'screen-early-cancelled');
    const server = await dns({
      srv: [
        { owner: '_sip._tcp.myhouse', target: 'dead.myhouse', port: dead, priority: 10, weight: 100 },
        { owner: '_sip._tcp.myhouse', target: 'pbx.myhouse', port: k.port, priority: 20 },
        { owner: '_sip._udp.screens.myhouse', target: 'screen-a.myhouse', port: unavailable.port, priority: 10 },
        { owner: '_sip._udp.screens.myhouse', target: 'screen-b.myhouse', port: ringing.port, priority: 20 },
      ],
      hosts: { 'pbx.myhouse': '127.0.0.1', 'dead.myhouse': '127.0.0.1', 'screen-a.myhouse': '127.0.0.1', 'screen-b.myhouse': '127.0.0.1' },
    });
    const registering = await startDoor(cleanups, 
      `[sip]\nlisten = ["udp:127.0.0.1:0", "tcp:127.0.0.1:0"]\nidentity = "sip:door@myhouse"\ndns_servers = ["${server}"]\n` +
        `[account]\nregistrar = "sip:myhouse;transport=tcp"\npassword = "dns-pw"\nexpires = 60\n`,
    );
    await until('registered at the second SRV target', registered(registering));
    expect(registering.output()).toContain(`REGISTER to 127.0.0.1:${dead}: `);
    expect(registering.output()).toContain(`trying tcp:127.0.0.1:${k.port} (RFC 3263 §4.3)`);

    // A door with no registrar calling a domain whose first screen is out of service.
    const d = await startDoor(cleanups, `[sip]\nlisten = ["udp:127.0.0.1:0"]\nidentity = "sip:door@myhouse"\ndns_servers = ["${server}"]\n[call]\ntargets = ["sip:door-bell@screens.myhouse"]\nring_timeout = 20\n`);
    expect(await converse(d.socket, 'ring\n')).toBe('Status: Ok\n\nId: 1\n\n');
    await until('the second screen rings', async () => (await converse(d.socket, 'call-status 1\n')).includes('LinphoneCallOutgoingEarlyMedia') || undefined);
    await expectScenarioEnded(unavailable); // 503, and the ACK for it
    expect(d.output()).toContain(`INVITE to 127.0.0.1:${unavailable.port}: 503; trying udp:127.0.0.1:${ringing.port} (RFC 3263 §4.3)`);
    expect(await converse(d.socket, 'terminate 1\n')).toBe('Status: Ok\n\n');
    await expectScenarioEnded(ringing);
  });
});
