/**
 * Where the door may send media: only to an address a screen could own.
 * The address comes from the peer's SDP (c=, a=rtcp), which anyone who
 * can answer or fork the door's INVITE writes; without these rules a
 * forged 183 aims the camera's stream at any host (issue 12: 150 fake
 * forks sent 119 Mbit/s at a victim). Never:
 * - unspecified (0.0.0.0/8 "this network", RFC 1122 §3.2.1.3; `::`);
 * - multicast (224.0.0.0/4, RFC 5771; ff00::/8, RFC 4291 §2.7) and the
 *   reserved 240.0.0.0/4 with the limited broadcast 255.255.255.255
 *   (RFC 919, RFC 1112 §4);
 * - the directed broadcast address of a network this host is on (from its
 *   interfaces: x.y.z.255 of a /24);
 * - loopback (127.0.0.0/8, ::1), unless the signalling itself came from
 *   loopback: a screen on this machine (tests, a local proxy) is one, a
 *   peer on the LAN naming our loopback is not.
 */
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

const NEVER = new BlockList();
NEVER.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER.addSubnet('224.0.0.0', 4, 'ipv4');
NEVER.addSubnet('240.0.0.0', 4, 'ipv4');
NEVER.addAddress('::', 'ipv6');
NEVER.addSubnet('ff00::', 8, 'ipv6');

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** `::ffff:a.b.c.d` as a.b.c.d: the IPv4 rules apply to it. */
function plain(address: string): string {
  const a = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return m ? m[1]! : a;
}

function family(address: string): 'ipv4' | 'ipv6' | undefined {
  const v = isIP(address);
  return v === 4 ? 'ipv4' : v === 6 ? 'ipv6' : undefined;
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const a = plain(address);
  const f = family(a);
  return f !== undefined && LOOPBACK.check(a, f);
}

/** Directed broadcast addresses of this host's IPv4 networks (none for /31 and /32, RFC 3021). */
function localBroadcasts(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) {
      if (i.family !== 'IPv4') continue;
      const ip = i.address.split('.').map(Number);
      const mask = i.netmask.split('.').map(Number);
      if (ip.length !== 4 || mask.length !== 4 || mask.join('.') === '255.255.255.255' || mask.join('.') === '255.255.255.254') continue;
      out.add(ip.map((b, k) => (b | (~mask[k]! & 0xff)) & 0xff).join('.'));
    }
  }
  return out;
}

/**
 * Why media must not go to `address`, or undefined when it may.
 * `signalling`: the address the peer's SIP came from (or went to, for the
 * door's own INVITE: its next hop).
 */
export function destinationProblem(address: string, signalling: string | undefined): string | undefined {
  const a = plain(address);
  const f = family(a);
  if (!f) return `${address} is not an IP address`;
  if (NEVER.check(a, f)) return `${address} is an unspecified, multicast or broadcast address`;
  if (f === 'ipv4' && localBroadcasts().has(a)) return `${address} is the broadcast address of a local network`;
  if (LOOPBACK.check(a, f) && !isLoopback(signalling)) return `${address} is loopback, but the signalling came from ${signalling ?? 'elsewhere'}`;
  return undefined;
}
