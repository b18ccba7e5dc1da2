/**
 * Where a new request goes and from which of our addresses: the next hop
 * (§8.1.2, loose routing §16.12), the transport for it, our address as
 * the peer sees it (for Contact and SDP c= lines).
 *
 * A new out-of-dialog request goes the way a registered phone sends it
 * (linphone's "proxy" of an account): through `account.outbound_proxy`
 * when set, else, while registered, through the registrar that holds the
 * binding now (primary or backup), on the very flow the REGISTER used; in
 * both cases with a preloaded `Route: <proxy;lr>` (§8.1.2) so the proxy
 * knows it is a hop, not the destination. A target named by IP address
 * goes straight to it unless `call.direct_ip = "via-proxy"`. Everything
 * else is located with RFC 3263 (resolve/sip-resolver.ts).
 */
import { isIP } from 'node:net';
import type { SipRequest } from '../message/index.js';
import { hostPort, type TransportProtocol } from '../transport/endpoint.js';
import type { Transport } from '../transport/transport.js';
import type { Route } from './core-types.js';
import { DestinationError, endpointOfUri } from './destination.js';
import { isWildcard, sourceAddressToward } from './local-address.js';
import { ResolveError, type SipResolver } from '../resolve/sip-resolver.js';

/** How a target named by IP address is reached while a proxy or registrar is in use (config `call.direct_ip`). */
export type DirectIp = 'direct' | 'via-proxy';

/** The registrar that holds our binding now, and the flow its 2xx came back on. */
export interface RegistrarHop {
  uri: string;
  route: Route;
}

export interface RoutesOptions {
  transports: readonly Transport[];
  resolver: SipResolver;
  /** Every out-of-dialog request goes here when set (config `account.outbound_proxy`). */
  outboundProxy?: string;
  /** The registrar holding the binding now; undefined while not registered. */
  registrar?: () => RegistrarHop | undefined;
  directIp?: DirectIp;
}

export class Routes {
  private registrar: (() => RegistrarHop | undefined) | undefined;

  constructor(private readonly o: RoutesOptions) {
    this.registrar = o.registrar;
  }

  /** Set once the registration exists (it is built on the stack, so after it). */
  useRegistrar(registrar: () => RegistrarHop | undefined): void {
    this.registrar = registrar;
  }

  transportFor(protocol: TransportProtocol): Transport | undefined {
    return this.o.transports.find((t) => t.protocol === protocol);
  }

  /** Our address as a peer reached over `transport` sees it (for SDP c= lines). */
  async localAddress(transport: Transport, toward: string): Promise<string> {
    return isWildcard(transport.local.host) ? sourceAddressToward(toward) : transport.local.host;
  }

  /** `sip:user@host:port;transport=x` at which we can be reached over `transport` from `toward`. */
  async contactUri(user: string, transport: Transport, toward: string): Promise<string> {
    const host = isWildcard(transport.local.host) ? await sourceAddressToward(toward) : transport.local.host;
    const scheme = transport.protocol === 'tls' ? 'sips' : 'sip';
    const tp = transport.protocol === 'udp' || transport.protocol === 'tls' ? '' : `;transport=${transport.protocol}`;
    return `${scheme}:${user ? `${encodeURIComponent(user)}@` : ''}${hostPort(host, transport.local.port)}${tp}`;
  }

  /**
   * Where a new request goes and on which transport: the explicit
   * `target`, else the first Route (loose routing), else, for a request
   * outside any dialog, the proxy or registrar (see above), else the
   * Request-URI.
   */
  async route(request: SipRequest, target?: string): Promise<Route> {
    if (target !== undefined) return this.routeHop(target);
    const firstRoute = request.headers.get('Route');
    if (firstRoute) return this.routeHop(firstRoute.replace(/^[^<]*<([^>]*)>.*$/s, '$1'));
    // The parsed To (name-addr.ts), not a pattern over its text: a quoted display name may hold ";tag=".
    const inDialog = request.headers.has('To') && request.to.params.has('tag');
    if (!inDialog && request.method !== 'ACK' && request.method !== 'CANCEL' && request.method !== 'REGISTER') return this.routeOutOfDialog(request.uri);
    return this.routeHop(request.uri);
  }

  /** The route of a new out-of-dialog request to `uri`: through the proxy or registrar (with the Route to preload), or to `uri` itself. */
  async routeOutOfDialog(uri: string): Promise<Route> {
    const { host } = endpointOfUri(uri);
    if (isIP(host) && (this.o.directIp ?? 'direct') === 'direct') return this.routeHop(uri);
    if (this.o.outboundProxy) return { ...(await this.routeHop(this.o.outboundProxy)), routeSet: [`<${looseRoute(this.o.outboundProxy)}>`] };
    const registrar = this.registrar?.();
    if (registrar) return { destination: registrar.route.destination, transport: registrar.route.transport, routeSet: [`<${looseRoute(registrar.uri)}>`] };
    return this.routeHop(uri);
  }

  /** RFC 3263: every place `hop` resolves to that we have a listener for, best first; the rest as fallbacks. */
  private async routeHop(hop: string): Promise<Route> {
    const wanted = endpointOfUri(hop);
    let candidates;
    try {
      candidates = await this.o.resolver.resolve(hop);
    } catch (e) {
      throw e instanceof ResolveError ? new DestinationError(e.message) : e;
    }
    const routes: Route[] = [];
    for (const c of candidates) {
      const transport = this.transportFor(c.protocol);
      // RFC 5922 §4: a TLS peer proves the URI's domain, not the SRV target's name.
      const name = isIP(wanted.host) ? undefined : wanted.host;
      if (transport) routes.push({ destination: { protocol: c.protocol, host: c.host, port: c.port, ...(name ? { name } : {}) }, transport });
    }
    const [first, ...fallbacks] = routes;
    if (!first) throw new DestinationError(`no ${candidates[0]?.protocol ?? wanted.protocol} listener in sip.listen to reach ${hop}`);
    return fallbacks.length > 0 ? { ...first, fallbacks } : first;
  }
}

/** The URI with `;lr` (RFC 3261 §19.1.1: this hop is a loose router), before any headers part. */
export function looseRoute(uri: string): string {
  const q = uri.indexOf('?');
  const [base, rest] = q < 0 ? [uri, ''] : [uri.slice(0, q), uri.slice(q)];
  return /;lr(=|;|$)/i.test(base) ? uri : `${base};lr${rest}`;
}
