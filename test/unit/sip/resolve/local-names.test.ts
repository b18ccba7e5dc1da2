/**
 * `.local` names (RFC 6762) go to the multicast resolver the daemon hands in
 * (mdns.resolve_local), never to a unicast name server; the resolver itself
 * is tested against a real avahi in test/interop/home/mdns-avahi.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { SipResolver } from '../../../../src/sip/resolve/sip-resolver.js';

describe('SipResolver and .local names', () => {
  it('asks the multicast resolver for a .local host and sends to the address it gives', async () => {
    const asked: string[] = [];
    const resolver = new SipResolver({
      transports: new Set(['udp']),
      // A unicast server that would answer nothing: a .local name must never reach it.
      servers: ['127.0.0.1:9'],
      timeoutMs: 200,
      resolveLocal: async (host) => {
        asked.push(host);
        return host === 'kitchen.local' ? '192.0.2.7' : undefined;
      },
    });
    const [first] = await resolver.resolve('sip:screen@kitchen.local');
    expect(asked).toEqual(['kitchen.local']);
    expect(first).toMatchObject({ host: '192.0.2.7', port: 5060, protocol: 'udp' });
  });

  it('a .local name nobody answers is a clear resolve error', async () => {
    const resolver = new SipResolver({ transports: new Set(['udp']), servers: ['127.0.0.1:9'], timeoutMs: 200, resolveLocal: async () => undefined });
    await expect(resolver.resolve('sip:screen@nobody.local')).rejects.toThrow(/nobody\.local/);
  });
});
