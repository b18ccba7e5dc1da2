/**
 * SIP over IPv6 (SPEC section 4): the daemon listening on [::1] answers
 * OPTIONS over UDP and TCP with the reply routed back over IPv6 (Via with
 * a bracketed address, RFC 3261 §25.1; rport, RFC 3581), and registers
 * with a Kamailio on [::1], which then reaches it through that binding.
 * Skipped on a machine without an IPv6 loopback.
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { converse, startDaemon, type RunningDaemon } from '../../support/daemon.js';
import { answersOptionsWithin, hasKamailio, startKamailio } from '../../support/kamailio.js';
import { until } from '../../support/wait.js';

const hasIpv6Loopback = await new Promise<boolean>((resolve) => {
  const s = createSocket('udp6');
  s.once('error', () => resolve(false));
  s.bind(0, '::1', () => s.close(() => resolve(true)));
});

function listenPort(d: RunningDaemon, protocol: 'udp' | 'tcp'): number {
  const m = new RegExp(`listening on ${protocol}:\\[::1\\]:(\\d+)`).exec(d.output());
  if (!m) throw new Error(`no ${protocol} listener on [::1] in:\n${d.output()}`);
  return Number(m[1]);
}

/** One OPTIONS over TCP to [::1]:port; resolves with the response head. */
function optionsOverTcp6(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '::1', port }, () => {
      const lp = s.localPort;
      s.write(
        [
          `OPTIONS sip:door@[::1]:${port};transport=tcp SIP/2.0`,
          `Via: SIP/2.0/TCP [::1]:${lp};branch=z9hG4bKv6${lp};rport`,
          'Max-Forwards: 70',
          `From: <sip:probe@[::1]>;tag=v6${lp}`,
          'To: <sip:door@[::1]>',
          `Call-ID: v6-options-${lp}`,
          'CSeq: 1 OPTIONS',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
    });
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer over TCP/IPv6; got ${JSON.stringify(text)}`));
    }, 10_000);
    s.on('data', (b: Buffer) => {
      text += b.toString('utf8');
      if (text.includes('\r\n\r\n')) {
        clearTimeout(timer);
        s.destroy();
        resolve(text);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

describe.skipIf(!hasIpv6Loopback)('SIP over IPv6 loopback', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  async function daemon(extra = ''): Promise<RunningDaemon> {
    const d = await startDaemon(`[sip]\nlisten = ["udp:[::1]:0", "tcp:[::1]:0"]\nidentity = "sip:door@myhouse"\n${extra}`);
    cleanups.push(async () => {
      await d.stop();
      d.cleanup();
    });
    return d;
  }

  it('answers OPTIONS on udp:[::1] and tcp:[::1]', async () => {
    const d = await daemon();
    expect(await answersOptionsWithin(listenPort(d, 'udp'), 10_000, '::1')).toBe(true);
    const reply = await optionsOverTcp6(listenPort(d, 'tcp'));
    expect(reply).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    // §18.2.1 / RFC 3581 §4: the Via records the IPv6 source, unbracketed in received.
    expect(reply).toMatch(/\r\nVia: SIP\/2\.0\/TCP \[::1\]:\d+;branch=z9hG4bKv6\d+;[^\r]*received=::1/);
  });

  it.skipIf(!hasKamailio)('registers with a Kamailio on [::1], which reaches the door through the binding', async () => {
    const k = await startKamailio({ host: '::1', users: { door: 'v6-pw' } });
    cleanups.push(() => k.stop());
    const d = await daemon(`[account]\nregistrar = "sip:[::1]:${k.port}"\npassword = "v6-pw"\nexpires = 60\n`);
    await until('registration over IPv6', async () => (await converse(d.socket, 'register-status 1\n')).includes('LinphoneRegistrationOk'));
    expect(d.output()).toMatch(/registered at sip:\[::1\]:\d+ for \d+ s/);
    expect(k.log()).toMatch(/REGISTER from door over udp from ::1:\d+/);
    expect(await answersOptionsWithin(k.port, 10_000, '::1', 'sip:door@myhouse')).toBe(true);
  });
});
