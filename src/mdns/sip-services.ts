/**
 * SIP over DNS-SD (RFC 6763): which service types a SIP transport is
 * announced as (the `_sip`/`_sips` service names of RFC 3263 §4.1, as
 * SRV uses them), the door's TXT record, and how an announced service
 * becomes a SIP URI. Pure functions, so the mapping is tested without a
 * network.
 *
 * TXT keys (RFC 6763 §6: short, lower case): `role` says what the
 * announcer is (door, registrar, proxy, screen), `user` the user part to
 * call, `identity` the door's own SIP identity.
 */
export type SipProtocol = 'udp' | 'tcp' | 'tls';

export interface ServiceType {
  /** bonjour-service's `type` (without the leading underscore) and `protocol`. */
  readonly type: 'sip' | 'sips';
  readonly protocol: 'udp' | 'tcp';
}

export function serviceTypeOf(p: SipProtocol): ServiceType {
  if (p === 'tls') return { type: 'sips', protocol: 'tcp' };
  return { type: 'sip', protocol: p };
}

export function doorTxt(identity: string, version: string): Record<string, string> {
  const user = /^sips?:([^@;]+)@/.exec(identity)?.[1];
  return { role: 'door', identity, ...(user ? { user } : {}), version };
}

/** What a browser saw: bonjour-service's Service, as far as we read it. */
export interface Announced {
  readonly name: string;
  readonly type: string;
  readonly protocol: string;
  readonly host: string;
  readonly port: number;
  readonly addresses?: readonly string[];
  readonly txt?: Record<string, unknown>;
}

export function roleOf(s: Announced): string {
  return String(s.txt?.role ?? '').toLowerCase();
}

/** An IPv4 address first (every door has IPv4), else IPv6 in brackets, else the .local host name. */
function hostOf(s: Announced): string {
  const v4 = s.addresses?.find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a));
  if (v4) return v4;
  const v6 = s.addresses?.find((a) => a.includes(':'));
  if (v6) return `[${v6}]`;
  return s.host.replace(/\.$/, '');
}

function transportParam(s: Announced): string {
  return s.type === 'sip' && s.protocol === 'tcp' ? ';transport=tcp' : '';
}

/** A registrar or proxy announced as `_sip._udp`/`_sip._tcp`/`_sips._tcp` → its SIP URI. */
export function registrarUri(s: Announced): string {
  return `${s.type === 'sips' ? 'sips' : 'sip'}:${hostOf(s)}:${s.port}${transportParam(s)}`;
}

/** A screen → the URI the door calls: its TXT `user`, else "screen". */
export function screenUri(s: Announced): string {
  const user = String(s.txt?.user ?? 'screen').replace(/[^A-Za-z0-9._~!$&'()*+,;=-]/g, '');
  return `${s.type === 'sips' ? 'sips' : 'sip'}:${user || 'screen'}@${hostOf(s)}:${s.port}${transportParam(s)}`;
}

export const REGISTRAR_ROLES = ['registrar', 'proxy'];
export const SCREEN_ROLE = 'screen';
