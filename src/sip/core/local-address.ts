/**
 * The address to put in Via and Contact when we listen on a wildcard
 * (0.0.0.0, ::): the one the kernel would send from toward the peer,
 * learnt by connecting a UDP socket (no packet is sent).
 */
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

const cache = new Map<string, string>();

export async function sourceAddressToward(host: string): Promise<string> {
  const hit = cache.get(host);
  if (hit) return hit;
  const s = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  try {
    const addr = await new Promise<string>((resolve, reject) => {
      s.once('error', reject);
      s.connect(9, host, () => resolve(s.address().address));
    });
    // Keyed by peers' addresses (an answered caller's source among them): bounded, oldest out first.
    if (cache.size >= 64) cache.delete(cache.keys().next().value!);
    cache.set(host, addr);
    return addr;
  } catch {
    return isIPv6(host) ? '::1' : '127.0.0.1';
  } finally {
    s.close();
  }
}

export const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';
