/**
 * Where a new request goes and from which of our addresses: the next hop
 * (§8.1.2, loose routing §16.12), the transport for it, our address as
 * the peer sees it (for Contact and SDP c= lines).
 */
import type { SipRequest } from '../message/index.js';
import { hostPort, type TransportProtocol } from '../transport/endpoint.js';
import type { Transport } from '../transport/transport.js';
import type { Route } from './core-types.js';
import { DestinationError, endpointOfUri, resolveEndpoint } from './destination.js';
import { isWildcard, sourceAddressToward } from './local-address.js';

export class Routes {
  constructor(
    private readonly transports: readonly Transport[],
    /** Every out-of-dialog request goes here when set (config `account.outbound_proxy`). */
    private readonly outboundProxy: string | undefined,
  ) {}

  transportFor(protocol: TransportProtocol): Transport | undefined {
    return this.transports.find((t) => t.protocol === protocol);
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
   * `target`, else the first Route (loose routing), else the outbound
   * proxy (out-of-dialog only), else the Request-URI.
   */
  async route(request: SipRequest, target?: string): Promise<Route> {
    const firstRoute = request.headers.get('Route');
    const hop = target ?? (firstRoute ? firstRoute.replace(/^[^<]*<([^>]*)>.*$/s, '$1') : undefined) ?? (this.outboundProxy || undefined) ?? request.uri;
    return this.routeHop(hop);
  }

  /** The route of a new out-of-dialog request to `uri` that carries no Route: the outbound proxy, else `uri` itself. */
  routeOutOfDialog(uri: string): Promise<Route> {
    return this.routeHop(this.outboundProxy || uri);
  }

  private async routeHop(hop: string): Promise<Route> {
    const wanted = endpointOfUri(hop);
    const transport = this.transportFor(wanted.protocol);
    if (!transport) throw new DestinationError(`no ${wanted.protocol} listener in sip.listen to reach ${hop}`);
    return { destination: await resolveEndpoint(wanted), transport };
  }
}
