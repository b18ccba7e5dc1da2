/**
 * Locating SIP servers (RFC 3263 §4): from a SIP URI to the ordered list of
 * (transport, address, port) to try. An IP address or an explicit port
 * skips NAPTR and SRV (§4.1, §4.2); a `transport=` parameter skips NAPTR
 * (§4.1); otherwise NAPTR (§4.1) picks the transports and points at SRV
 * records, or, without NAPTR records, SRV is asked for each transport we
 * listen on; SRV targets are ordered by priority and weight (RFC 2782);
 * without any of these, A/AAAA of the host at the default port. `sips:`
 * takes only TLS (§4.1). The caller tries the list in order and moves on
 * after a timeout, a transport error or a 503 (§4.3).
 *
 * With `servers` (config `sip.dns_servers`) every lookup goes to them;
 * otherwise NAPTR/SRV go to the system's name servers and A/AAAA to the
 * system resolver (getaddrinfo: /etc/hosts, mDNS), as before. Answers are
 * kept for their TTL (A/AAAA) or a minute (NAPTR/SRV: node:dns does not
 * give their TTL), failures for a few seconds.
 */
import type { NaptrRecord, SrvRecord } from 'node:dns';
import { lookup, Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isSipUri, parseUri } from '../message/index.js';
import { defaultPort, type Endpoint, type TransportProtocol } from '../transport/endpoint.js';
import { orderSrv } from './srv-order.js';

export class ResolveError extends Error {
  override name = 'ResolveError';
}

/** One place to send to: the address, and the host name it came from (for logs and TLS names). */
export interface Candidate extends Endpoint {
  name: string;
}

export interface SipResolverOptions {
  /** `["127.0.0.1:5353"]`: name servers to ask instead of the system's (config `sip.dns_servers`). */
  servers?: readonly string[];
  /** The transports we can send on (our listeners): NAPTR/SRV answers for others are skipped. */
  transports: ReadonlySet<TransportProtocol>;
  /** Per-query timeout; c-ares retries once. */
  timeoutMs?: number;
  /**
   * Resolves `.local` names over multicast DNS (RFC 6762), for a door whose
   * system has no nss-mdns; the daemon hands it in when `mdns.resolve_local`
   * is on. Without it, `.local` names go to the system resolver like any other.
   */
  resolveLocal?: (host: string) => Promise<string | undefined>;
}

/** NAPTR service field (RFC 3263 §4.1) → transport. */
const NAPTR_SERVICES: Record<string, TransportProtocol> = { 'SIP+D2U': 'udp', 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls' };
/** SRV owner prefix per transport (§4.1: `_sips._tcp` for TLS). */
const SRV_PREFIX: Record<TransportProtocol, string> = { udp: '_sip._udp.', tcp: '_sip._tcp.', tls: '_sips._tcp.' };
const RECORD_TTL_MS = 60_000;
const FAILURE_TTL_MS = 5_000;
/** Enough addresses to fail over a few times; more would only stretch a failing call. */
const MAX_CANDIDATES = 8;

export class SipResolver {
  private readonly resolver: Resolver;
  private readonly custom: boolean;
  private readonly cache = new Map<string, { until: number; value: Promise<unknown> }>();

  constructor(private readonly opts: SipResolverOptions) {
    this.resolver = new Resolver({ timeout: opts.timeoutMs ?? 2_000, tries: 2 });
    this.custom = (opts.servers?.length ?? 0) > 0;
    if (this.custom) this.resolver.setServers([...opts.servers!]);
  }

  /** The targets for `uriText`, best first; throws ResolveError when there are none. */
  async resolve(uriText: string): Promise<Candidate[]> {
    let uri;
    try {
      uri = parseUri(uriText);
    } catch {
      throw new ResolveError(`not a SIP URI: ${uriText}`);
    }
    if (!isSipUri(uri)) throw new ResolveError(`cannot send to a ${uri.scheme}: URI`);
    const secure = uri.scheme === 'sips';
    const host = (uri.params.get('maddr') ?? uri.host).replace(/^\[|\]$/g, '');
    const param = uri.params.get('transport')?.toLowerCase();
    let transport: TransportProtocol | undefined;
    if (param !== undefined) {
      if (param !== 'udp' && param !== 'tcp' && param !== 'tls') throw new ResolveError(`transport "${param}" is not supported`);
      // §4.1: sips: with transport=tcp means TLS over TCP.
      transport = secure ? 'tls' : param;
    } else if (secure) transport = 'tls';
    // §4.1: an address or an explicit port: that transport (UDP by default), no NAPTR/SRV.
    if (isIP(host) || uri.port !== undefined) {
      const protocol = transport ?? 'udp';
      const port = uri.port ?? defaultPort(protocol);
      const out = (await this.addresses(host)).map((address) => ({ protocol, host: address, port, name: host }));
      if (out.length === 0) throw new ResolveError(`cannot resolve host "${host}"`);
      return out;
    }
    const out: Candidate[] = [];
    for (const srv of await this.services(host, transport, secure)) {
      for (const address of await this.addresses(srv.target)) out.push({ protocol: srv.protocol, host: address, port: srv.port, name: srv.target });
      if (out.length >= MAX_CANDIDATES) break;
    }
    if (out.length === 0) {
      // §4.2: no SRV at all: the host itself, at the transport's default port.
      const protocol = transport ?? 'udp';
      for (const address of await this.addresses(host)) out.push({ protocol, host: address, port: defaultPort(protocol), name: host });
    }
    if (out.length === 0) throw new ResolveError(`cannot resolve host "${host}" (no NAPTR, SRV, A or AAAA records)`);
    return out.slice(0, MAX_CANDIDATES);
  }

  /** The SRV targets of `domain` in the order to try, each with its transport (§4.1). */
  private async services(domain: string, transport: TransportProtocol | undefined, secure: boolean): Promise<Array<{ protocol: TransportProtocol; target: string; port: number }>> {
    let plan: Array<{ protocol: TransportProtocol; owner: string }>;
    if (transport) plan = [{ protocol: transport, owner: SRV_PREFIX[transport] + domain }];
    else {
      const naptr = (await this.naptr(domain))
        .filter((r) => r.flags.toLowerCase() === 's' && NAPTR_SERVICES[r.service.toUpperCase()] !== undefined)
        .map((r) => ({ protocol: NAPTR_SERVICES[r.service.toUpperCase()]!, owner: r.replacement, order: r.order, preference: r.preference }))
        .filter((r) => this.opts.transports.has(r.protocol) && (!secure || r.protocol === 'tls'))
        .sort((a, b) => a.order - b.order || a.preference - b.preference);
      // §4.1: no usable NAPTR: SRV for each transport we support (TLS only for sips:).
      plan = naptr.length > 0 ? naptr : (['udp', 'tcp', 'tls'] as const).filter((p) => this.opts.transports.has(p) && (!secure || p === 'tls')).map((p) => ({ protocol: p, owner: SRV_PREFIX[p] + domain }));
    }
    const out: Array<{ protocol: TransportProtocol; target: string; port: number }> = [];
    for (const step of plan) for (const r of orderSrv(await this.srv(step.owner))) out.push({ protocol: step.protocol, target: r.name, port: r.port });
    return out;
  }

  private naptr(domain: string): Promise<NaptrRecord[]> {
    return this.cached(`naptr:${domain}`, RECORD_TTL_MS, () => this.resolver.resolveNaptr(domain).catch(() => []));
  }

  private srv(owner: string): Promise<SrvRecord[]> {
    return this.cached(`srv:${owner}`, RECORD_TTL_MS, () => this.resolver.resolveSrv(owner).catch(() => []));
  }

  /** A then AAAA addresses of `host` (an address stands for itself); empty when it has none. */
  private addresses(host: string): Promise<string[]> {
    if (isIP(host)) return Promise.resolve([host]);
    const resolveLocal = this.opts.resolveLocal;
    if (resolveLocal && /\.local\.?$/i.test(host)) {
      // RFC 6762 §3: names under .local. are asked on the LAN by multicast, never of a unicast server.
      return resolveLocal(host).then(
        (a) => (a === undefined ? [] : [a]),
        () => [],
      );
    }
    if (!this.custom) {
      return this.cached(`host:${host}`, RECORD_TTL_MS, () =>
        lookup(host, { all: true }).then(
          (list) => list.sort((a, b) => a.family - b.family).map((a) => a.address),
          () => [],
        ),
      );
    }
    return this.cachedTtl(`host:${host}`, async () => {
      const [v4, v6] = await Promise.all([this.resolver.resolve4(host, { ttl: true }).catch(() => []), this.resolver.resolve6(host, { ttl: true }).catch(() => [])]);
      const all = [...v4, ...v6];
      return { value: all.map((a) => a.address), ttlMs: all.length > 0 ? Math.min(...all.map((a) => a.ttl)) * 1000 : FAILURE_TTL_MS };
    });
  }

  private cached<T>(key: string, ttlMs: number, get: () => Promise<T[]>): Promise<T[]> {
    return this.cachedTtl(key, async () => {
      const value = await get();
      return { value, ttlMs: value.length > 0 ? ttlMs : FAILURE_TTL_MS };
    });
  }

  private cachedTtl<T>(key: string, get: () => Promise<{ value: T; ttlMs: number }>): Promise<T> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.value as Promise<T>;
    const entry = { until: Number.POSITIVE_INFINITY, value: undefined as unknown as Promise<T> };
    entry.value = get().then(({ value, ttlMs }) => {
      entry.until = Date.now() + ttlMs;
      return value;
    });
    this.cache.set(key, entry);
    if (this.cache.size > 256) this.cache.delete(this.cache.keys().next().value!);
    return entry.value;
  }
}
