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
 *
 * The parsing is the SIP layer's one identity function (name-addr
 * grammar, never a regex over the header text).
 */
import { formatIdentity, identityMatches, parseIdentity, type SipIdentity } from '../../sip/user-agent.js';

/** `door.allowed`, parsed once. */
export class AllowList {
  private readonly entries: SipIdentity[];

  constructor(uris: readonly string[]) {
    this.entries = uris.map(parseIdentity).filter((e): e is SipIdentity => e !== undefined);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The peer's identity if it is on the list. */
  match(peer: string): SipIdentity | undefined {
    const id = parseIdentity(peer);
    return id && this.entries.some((a) => identityMatches(a, id)) ? id : undefined;
  }
}

/** How a peer appears in events and logs: its identity, or its text made safe for one line. */
export function describePeer(peer: string): string {
  const id = parseIdentity(peer);
  if (id) return formatIdentity(id);
  // eslint-disable-next-line no-control-regex
  const clean = peer.replace(/[\x00-\x1f\x7f]+/g, ' ').trim().slice(0, 200);
  return clean === '' ? '(unknown)' : clean;
}
