/**
 * What a URI says about where it goes before any DNS (RFC 3261 §19.1.2):
 * the host (or `maddr`), the transport from `;transport=` (`sips:` → TLS,
 * else UDP), the port given or the protocol's default. Used to check a
 * URI early and to tell an address from a name; the lookups themselves
 * (RFC 3263) are in resolve/sip-resolver.ts.
 */
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
