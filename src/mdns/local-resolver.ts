/**
 * `.local` host names over multicast DNS (RFC 6762), done by the door
 * itself: a Raspberry Pi image without nss-mdns (libnss-mdns) cannot
 * resolve `homescreen.local` through getaddrinfo. A one-shot query
 * (RFC 6762 §5.1) for A, then AAAA, answered by any responder on the LAN
 * (avahi, Apple's mDNSResponder, a screen's own stack).
 *
 * It imports nothing above log/, so the SIP layer may call it: the hook is
 * a `resolveHost(host)` tried before node:dns for names `isLocalName`
 * accepts. The `multicast-dns` library is imported on first use only.
 */
import type { MulticastDNS, Options } from 'multicast-dns';

/** RFC 6762 §3: names ending in ".local." are link-local and resolved by multicast only. */
export function isLocalName(host: string): boolean {
  return /^[^\s.]+(\.[^\s.]+)*\.local\.?$/i.test(host);
}

export interface LocalResolverOptions {
  /** How long to wait for an answer per query; RFC 6762 §5.1 leaves it to the querier (a second is usual). */
  timeoutMs?: number;
  /**
   * multicast-dns options, e.g. `interface` (an address of the LAN interface) for a multi-homed door;
   * with `interface`, pass `bind: '0.0.0.0'` too (a socket bound to a unicast address sees no multicast).
   */
  mdns?: Options;
}

/** Names cached at most: the names asked come partly from SIP peers (a Contact, a Route), so the cache is bounded. */
export const CACHED_NAMES = 64;

interface Cached {
  address: string;
  until: number;
}

/** Any host on the LAN may answer: a wrong address with a huge TTL must not stick until a restart. */
const MAX_TTL_S = 3600;

export class LocalResolver {
  private mdns: MulticastDNS | undefined;
  private opening: Promise<MulticastDNS> | undefined;
  private readonly cache = new Map<string, Cached>();
  private readonly timeoutMs: number;

  constructor(private readonly opts: LocalResolverOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 1500;
  }

  /** The address of a `.local` name, or undefined when no responder answered in time. */
  async resolve(host: string): Promise<string | undefined> {
    const name = host.replace(/\.$/, '').toLowerCase();
    const hit = this.cache.get(name);
    if (hit && hit.until > Date.now()) return hit.address;
    const mdns = await this.open();
    for (const type of ['A', 'AAAA'] as const) {
      const found = await this.ask(mdns, name, type);
      if (found) {
        // Answers carry their TTL (RFC 6762 §10); keep at least a second so a burst of INVITEs asks once.
        this.cache.delete(name);
        if (this.cache.size >= CACHED_NAMES) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(name, { address: found.address, until: Date.now() + Math.min(MAX_TTL_S, Math.max(1, found.ttl)) * 1000 });
        return found.address;
      }
    }
    return undefined;
  }

  close(): void {
    this.mdns?.destroy();
    this.mdns = undefined;
    this.opening = undefined;
  }

  private open(): Promise<MulticastDNS> {
    this.opening ??= import('multicast-dns').then(({ default: multicastDns }) => {
      const m = multicastDns(this.opts.mdns);
      // A socket error (no multicast route) must not become an unhandled 'error' event.
      m.on('error', () => undefined);
      this.mdns = m;
      return m;
    });
    return this.opening;
  }

  private ask(mdns: MulticastDNS, name: string, type: 'A' | 'AAAA'): Promise<{ address: string; ttl: number } | undefined> {
    return new Promise((resolve) => {
      const onResponse = (packet: { answers: Array<{ name: string; type: string; data?: unknown; ttl?: number }>; additionals?: Array<{ name: string; type: string; data?: unknown; ttl?: number }> }) => {
        const rec = [...packet.answers, ...(packet.additionals ?? [])].find((a) => a.type === type && a.name.toLowerCase() === name && typeof a.data === 'string');
        if (!rec) return;
        finish({ address: rec.data as string, ttl: rec.ttl ?? 120 });
      };
      const finish = (r: { address: string; ttl: number } | undefined) => {
        clearTimeout(timer);
        mdns.removeListener('response', onResponse);
        resolve(r);
      };
      const timer = setTimeout(() => finish(undefined), this.timeoutMs);
      mdns.on('response', onResponse);
      mdns.query([{ name, type }], (e) => {
        if (e) finish(undefined);
      });
    });
  }
}
