/**
 * Who a peer is: the one way the door reads an identity out of From, To,
 * P-Asserted-Identity or a configured URI. Always through the name-addr
 * parser (name-addr.ts), never a regular expression over the header text:
 * `"<sip:kitchen@myhouse>" <sip:guest@myhouse>` is guest, because the
 * first `<` is inside the quoted display name (RFC 3261 §25.1
 * quoted-string).
 *
 * Normalised for comparison (RFC 3261 §19.1.4): scheme and host lower
 * case, the user %-decoded and compared with its case (user parts are
 * case-sensitive), the port kept when written; display name, URI
 * parameters (`;transport=tcp`, `;gr`), headers, password and header
 * parameters (the tag) are not identity and are dropped. sip and sips are
 * different schemes. Anything else (`tel:`, garbage) has no identity.
 */
import { parseNameAddr } from './name-addr.js';
import { isSipUri, parseUri, type Uri } from './uri.js';

export interface SipIdentity {
  readonly scheme: 'sip' | 'sips';
  /** Undefined for a URI without a user part (`sip:192.168.1.5`). */
  readonly user: string | undefined;
  /** Lower case; IPv6 keeps its brackets. */
  readonly host: string;
  readonly port: number | undefined;
}

/** The identity a parsed URI names, or undefined for a non-SIP URI. */
export function identityOfUri(uri: Uri): SipIdentity | undefined {
  if (!isSipUri(uri)) return undefined;
  return { scheme: uri.scheme, user: uri.user === '' ? undefined : uri.user, host: uri.host.toLowerCase(), port: uri.port };
}

/**
 * The identity in `text`: a bare URI, `<uri>`, or a whole From/To value
 * (`"Alice" <sip:...>;tag=x`), parsed as RFC 3261 §20.10 name-addr /
 * addr-spec. Undefined when it does not parse or is not a SIP URI.
 */
export function parseIdentity(text: string): SipIdentity | undefined {
  const s = text.trim();
  if (s === '') return undefined;
  try {
    return identityOfUri(parseNameAddr(s).uri);
  } catch {
    try {
      // A configured URI may carry ;params unbracketed, which name-addr would read as header params: same identity either way.
      return identityOfUri(parseUri(s));
    } catch {
      return undefined;
    }
  }
}

/** The identity as one canonical URI: `sip:user@host[:port]`, the user escaped where it must be. */
export function formatIdentity(id: SipIdentity): string {
  return `${id.scheme}:${id.user !== undefined ? `${encodeURIComponent(id.user)}@` : ''}${id.host}${id.port !== undefined ? `:${id.port}` : ''}`;
}

const defaultPort = (id: SipIdentity) => id.port ?? (id.scheme === 'sips' ? 5061 : 5060);

/**
 * Whether `peer` is the party `wanted` names. A port in `wanted` must
 * match the peer's (absent = 5060 for sip, 5061 for sips); `wanted`
 * without a port matches any port.
 */
export function identityMatches(wanted: SipIdentity, peer: SipIdentity): boolean {
  return wanted.scheme === peer.scheme && wanted.user === peer.user && wanted.host === peer.host && (wanted.port === undefined || wanted.port === defaultPort(peer));
}

/** `text` as its canonical identity, or undefined (for log lines and comparisons of text). */
export function canonicalIdentity(text: string): string | undefined {
  const id = parseIdentity(text);
  return id ? formatIdentity(id) : undefined;
}
