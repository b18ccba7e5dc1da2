/** Where SIP is sent or heard: protocol, address, port. */

export type TransportProtocol = 'udp' | 'tcp' | 'tls';

export interface Endpoint {
  protocol: TransportProtocol;
  /** An IP address (no brackets for IPv6) or a host name. */
  host: string;
  port: number;
  /**
   * The host name of the URI this address was found for (RFC 3263), when it
   * had one: the name a TLS server's certificate must carry (RFC 5922 §4),
   * whatever SRV target or address the lookups led to.
   */
  name?: string;
}

/** The default port per RFC 3261 §19.1.2: 5060, or 5061 for TLS. */
export const defaultPort = (protocol: TransportProtocol): number => (protocol === 'tls' ? 5061 : 5060);

/** `udp:0.0.0.0:5060`, `tcp:[::]:5060`, `tls:door.example:5061` (config `sip.listen`). */
export function parseListen(spec: string): Endpoint {
  const m = /^(udp|tcp|tls):(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(spec);
  if (!m) throw new Error(`bad listen address "${spec}"`);
  return { protocol: m[1] as TransportProtocol, host: m[2] ?? m[3]!, port: Number(m[4]) };
}

/** host:port as it goes in a Via sent-by or URI: IPv6 in brackets (RFC 3261 §25.1). */
export function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export const endpointKey = (e: Endpoint): string => `${e.protocol}:${hostPort(e.host, e.port)}`;

/** Via's transport token (§18: UPPER-CASE in the Via header). */
export const viaTransport = (p: TransportProtocol): string => p.toUpperCase();
