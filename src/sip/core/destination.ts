/**
 * Where a request goes (RFC 3261 §8.1.2, RFC 3263 in part): the first
 * Route if there is one (loose routing, §16.12), else the Request-URI; the
 * transport from `;transport=`, `sips:` → TLS, else UDP; the port given or
 * the protocol's default. Host names resolve with the system resolver
 * (A/AAAA); NAPTR/SRV lookups are not done, so a domain that only has SRV
 * records needs an explicit host:port or outbound_proxy.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isSipUri, parseUri, type SipUri } from '../message/index.js';
import { defaultPort, type Endpoint, type TransportProtocol } from '../transport/endpoint.js';

export class DestinationError extends Error {
  override name = 'DestinationError';
}

export function endpointOfUri(text: string): Endpoint & { name: string } {
  let uri;
  try {
    uri = parseUri(text);
  } catch {
    throw new DestinationError(`not a SIP URI: ${text}`);
  }
  if (!isSipUri(uri)) throw new DestinationError(`cannot send to a ${uri.scheme}: URI`);
  const protocol = transportOf(uri);
  const host = uri.params.get('maddr') ?? uri.host.replace(/^\[|\]$/g, '');
  return { protocol, host, name: host, port: uri.port ?? defaultPort(protocol) };
}

function transportOf(uri: SipUri): TransportProtocol {
  if (uri.scheme === 'sips') return 'tls';
  const t = (uri.params.get('transport') ?? 'udp').toLowerCase();
  if (t === 'udp' || t === 'tcp' || t === 'tls') return t;
  throw new DestinationError(`transport "${t}" is not supported`);
}

/** The endpoint with its host resolved to an address. */
export async function resolveEndpoint(e: Endpoint): Promise<Endpoint> {
  if (isIP(e.host)) return e;
  try {
    const { address } = await lookup(e.host);
    return { ...e, host: address };
  } catch {
    throw new DestinationError(`cannot resolve host "${e.host}"`);
  }
}
