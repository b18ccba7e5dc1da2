/**
 * The RFC 3263 rules of sip/resolve/sip-resolver.ts, asked of a real name
 * server (dnsmasq on 127.0.0.1) rather than a mock: NAPTR order and the
 * transports we listen on, sips: taking TLS only, transport= going to SRV
 * directly, an explicit port or an address skipping NAPTR/SRV, a domain
 * with no SRV falling back to its address at the default port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasDnsmasq, startDnsmasq, type RunningDnsmasq } from '../../support/dnsmasq.js';
import { SipResolver } from '../../../src/sip/resolve/sip-resolver.js';

describe.skipIf(!hasDnsmasq)('RFC 3263 resolution against dnsmasq', () => {
  let dns: RunningDnsmasq;
  beforeAll(async () => {
    dns = await startDnsmasq({
      naptr: [
        { owner: 'a.test', order: 20, preference: 10, service: 'SIP+D2U', replacement: '_sip._udp.a.test' },
        { owner: 'a.test', order: 10, preference: 10, service: 'SIP+D2T', replacement: '_sip._tcp.a.test' },
        { owner: 'a.test', order: 30, preference: 10, service: 'SIPS+D2T', replacement: '_sips._tcp.a.test' },
      ],
      srv: [
        { owner: '_sip._udp.a.test', target: 'udp.a.test', port: 5070 },
        { owner: '_sip._tcp.a.test', target: 'tcp.a.test', port: 5071 },
        { owner: '_sips._tcp.a.test', target: 'tls.a.test', port: 5072 },
        { owner: '_sip._udp.b.test', target: 'one.b.test', port: 6000, priority: 20 },
        { owner: '_sip._udp.b.test', target: 'two.b.test', port: 6001, priority: 10 },
      ],
      hosts: { 'udp.a.test': '127.0.0.11', 'tcp.a.test': '127.0.0.12', 'tls.a.test': '127.0.0.13', 'one.b.test': '127.0.0.21', 'two.b.test': '127.0.0.22', 'c.test': '127.0.0.31', 'b.test': '127.0.0.20' },
    });
  });
  afterAll(() => dns?.stop());

  const resolver = (transports: Array<'udp' | 'tcp' | 'tls'> = ['udp', 'tcp', 'tls']) => new SipResolver({ servers: [dns.server], transports: new Set(transports) });
  const first = async (uri: string, r = resolver()) => {
    const [c] = await r.resolve(uri);
    return `${c!.protocol}:${c!.host}:${c!.port}`;
  };

  it('follows NAPTR order to SRV, and skips transports it does not listen on', async () => {
    expect(await first('sip:door@a.test')).toBe('tcp:127.0.0.12:5071');
    // §4.1: a sip: URI may use every service (TLS too), in NAPTR order; a sips: URI only SIPS+D2T.
    expect((await resolver().resolve('sip:a.test')).map((c) => c.protocol)).toEqual(['tcp', 'udp', 'tls']);
    expect(await first('sip:a.test', resolver(['udp']))).toBe('udp:127.0.0.11:5070');
  });

  it('takes only TLS for sips:', async () => {
    expect((await resolver().resolve('sips:a.test')).map((c) => `${c.protocol}:${c.port}`)).toEqual(['tls:5072']);
  });

  it('goes to SRV directly for transport=, without NAPTR', async () => {
    expect(await first('sip:a.test;transport=udp')).toBe('udp:127.0.0.11:5070');
  });

  it('without NAPTR, orders SRV by priority', async () => {
    expect((await resolver(['udp']).resolve('sip:x@b.test')).map((c) => `${c.host}:${c.port}`)).toEqual(['127.0.0.22:6001', '127.0.0.21:6000']);
  });

  it('an explicit port skips SRV; a domain without SRV is its own address at 5060 (5061 for TLS)', async () => {
    expect(await first('sip:b.test:7000')).toBe('udp:127.0.0.20:7000');
    expect(await first('sip:c.test')).toBe('udp:127.0.0.31:5060');
    expect(await first('sip:c.test;transport=tls')).toBe('tls:127.0.0.31:5061');
    expect(await first('sip:127.0.0.9;transport=tcp')).toBe('tcp:127.0.0.9:5060');
  });

  it('says so when a name has no records at all', async () => {
    await expect(resolver().resolve('sip:nowhere.test')).rejects.toThrow(/cannot resolve host "nowhere.test"/);
  });
});
