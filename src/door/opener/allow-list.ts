/**
 * Who a peer is, for `door.allowed`: scheme, user, host and port of a SIP
 * URI. Display names, URI parameters (`;transport=tcp`), headers and the
 * From tag are not identity and are ignored. The host compares without
 * case (DNS names and hex IPv6 are case-insensitive) and the user with
 * case (RFC 3261 19.1.4), after %-decoding. A port in an allowed entry must
 * match the peer's (absent = 5060 for sip, 5061 for sips); an entry
 * without a port matches any. sip and sips are different schemes.
 *
 * This is identity as the peer states it: without a proxy that
 * authenticates From, anyone can claim any URI. That is why the open code,
 * not the allow list, is what opens the door.
 */

export interface SipIdentity {
  readonly scheme: 'sip' | 'sips';
  /** Undefined for a URI without a user part (`sip:192.168.1.5`). */
  readonly user: string | undefined;
  /** Lower case; IPv6 keeps its brackets. */
  readonly host: string;
  readonly port: number | undefined;
}

const URI = /^(sips?):(?:([^@]*)@)?(\[[0-9a-f:.]+\]|[^:;?>\s]+)(?::(\d{1,5}))?(?:[;?].*)?$/i;

/** Accepts a bare URI, `<uri>`, or a whole From value (`"Alice" <sip:...>;tag=x`). */
export function parseSipIdentity(text: string): SipIdentity | undefined {
  let s = text.trim();
  const lt = s.indexOf('<');
  if (lt >= 0) {
    const gt = s.indexOf('>', lt);
    if (gt < 0) return undefined;
    s = s.slice(lt + 1, gt).trim();
  }
  const m = URI.exec(s);
  if (!m) return undefined;
  // userinfo may carry a password (user:pass@host) and user parameters; neither is identity.
  const rawUser = m[2]?.split(':')[0]?.split(';')[0];
  let user: string | undefined;
  if (rawUser !== undefined && rawUser !== '') {
    try {
      user = decodeURIComponent(rawUser);
    } catch {
      user = rawUser;
    }
  }
  return {
    scheme: m[1]!.toLowerCase() as 'sip' | 'sips',
    user,
    host: m[3]!.toLowerCase(),
    port: m[4] !== undefined ? Number(m[4]) : undefined,
  };
}

export function formatSipIdentity(id: SipIdentity): string {
  return `${id.scheme}:${id.user !== undefined ? `${encodeURIComponent(id.user)}@` : ''}${id.host}${id.port !== undefined ? `:${id.port}` : ''}`;
}

const defaultPort = (id: SipIdentity) => id.port ?? (id.scheme === 'sips' ? 5061 : 5060);

/** Whether `peer` is the party `allowed` names. */
export function identityMatches(allowed: SipIdentity, peer: SipIdentity): boolean {
  return (
    allowed.scheme === peer.scheme &&
    allowed.user === peer.user &&
    allowed.host === peer.host &&
    (allowed.port === undefined || allowed.port === defaultPort(peer))
  );
}

/** `door.allowed`, parsed once. */
export class AllowList {
  private readonly entries: SipIdentity[];

  constructor(uris: readonly string[]) {
    this.entries = uris.map(parseSipIdentity).filter((e): e is SipIdentity => e !== undefined);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The peer's identity if it is on the list. */
  match(peer: string): SipIdentity | undefined {
    const id = parseSipIdentity(peer);
    return id && this.entries.some((a) => identityMatches(a, id)) ? id : undefined;
  }
}

/** How a peer appears in events and logs: its identity, or its text made safe for one line. */
export function describePeer(peer: string): string {
  const id = parseSipIdentity(peer);
  if (id) return formatSipIdentity(id);
  // eslint-disable-next-line no-control-regex
  const clean = peer.replace(/[\x00-\x1f\x7f]+/g, ' ').trim().slice(0, 200);
  return clean === '' ? '(unknown)' : clean;
}
