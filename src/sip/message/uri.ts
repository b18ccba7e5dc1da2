/**
 * SIP and SIPS URIs (RFC 3261 §19.1, grammar §25.1), plus any other
 * absolute URI kept as opaque text so that a request for `tel:` or an
 * unknown scheme can still be read and answered 416 (§8.2.2.1,
 * RFC 4475 §3.3.2).
 */
import { SipParseError } from './errors.js';
import { hasSpaceOrControl } from './grammar.js';
import { escapeUri, HEADER_CHARS, PARAM_CHARS, PASSWORD_CHARS, unescapeUri, USER_CHARS } from './uri-escape.js';

/** Parameters by lower-cased name (§19.1.4: names compare case-insensitively); null = no value. */
export type Params = Map<string, string | null>;

export interface SipUri {
  scheme: 'sip' | 'sips';
  /** Unescaped; undefined when the URI has no userinfo. */
  user?: string | undefined;
  password?: string | undefined;
  /** As written; an IPv6 reference keeps its brackets: `[2001:db8::1]`. */
  host: string;
  port?: number | undefined;
  /** uri-parameters, unescaped. */
  params: Params;
  /** headers after `?`, unescaped, in order (a name may repeat). */
  headers: Array<[string, string]>;
}

/** Any other absolute URI (`tel:`, `urn:`, unknown schemes), kept whole. */
export interface OtherUri {
  scheme: string;
  /** The whole URI as received, scheme included. */
  text: string;
}

export type Uri = SipUri | OtherUri;

export function isSipUri(u: Uri): u is SipUri {
  return 'host' in u;
}

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+\-.]*):/;
const HOST_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._]+)$/;

function bad(detail: string): never {
  throw new SipParseError('Bad URI', { detail });
}

export function isValidHost(host: string): boolean {
  return HOST_RE.test(host) && !host.startsWith('.') && !host.includes('..');
}

/** 1*DIGIT no larger than 65535 (§25.1 port; a TCP/UDP port cannot be larger). */
export function parsePort(text: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) bad(`bad port ${JSON.stringify(text)}`);
  const port = Number(text);
  if (port > 65535) bad(`port ${port} out of range`);
  return port;
}

/** Parses `sip:` / `sips:` URIs; throws SipParseError('Bad URI') for anything else. */
export function parseSipUri(text: string): SipUri {
  const m = SCHEME_RE.exec(text);
  const scheme = m?.[1]?.toLowerCase();
  if (!m || (scheme !== 'sip' && scheme !== 'sips')) bad(`not a SIP URI: ${JSON.stringify(text.slice(0, 80))}`);
  if (hasSpaceOrControl(text) || /[<>"]/.test(text)) bad('whitespace, control character or delimiter inside URI');
  let rest = text.slice(m[0].length);

  // '@' is allowed unescaped nowhere but as the end of userinfo (§25.1), so
  // the first one splits it off even when the user part holds ';' or '?'
  // (RFC 4475 §3.1.1.2, §3.1.1.9).
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const rawUser = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
    if (!rawUser || !USER_CHARS.test(rawUser)) bad('bad user part');
    user = unescapeUri(rawUser);
    if (colon >= 0) {
      const rawPw = userinfo.slice(colon + 1);
      if (!PASSWORD_CHARS.test(rawPw)) bad('bad password');
      password = unescapeUri(rawPw);
    }
  }

  let headersText: string | undefined;
  const q = rest.indexOf('?');
  if (q >= 0) {
    headersText = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const semi = rest.indexOf(';');
  const hostport = semi >= 0 ? rest.slice(0, semi) : rest;
  const paramsText = semi >= 0 ? rest.slice(semi + 1) : undefined;

  let host: string;
  let portText: string | undefined;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close < 0) bad('unterminated IPv6 reference');
    host = hostport.slice(0, close + 1);
    const after = hostport.slice(close + 1);
    if (after) {
      if (!after.startsWith(':')) bad('junk after IPv6 reference');
      portText = after.slice(1);
    }
  } else {
    const colon = hostport.indexOf(':');
    host = colon >= 0 ? hostport.slice(0, colon) : hostport;
    portText = colon >= 0 ? hostport.slice(colon + 1) : undefined;
  }
  if (!isValidHost(host)) bad(`bad host ${JSON.stringify(host)}`);
  const port = portText === undefined ? undefined : parsePort(portText);

  const params: Params = new Map();
  if (paramsText !== undefined) {
    for (const p of paramsText.split(';')) {
      const eq = p.indexOf('=');
      const rawName = eq >= 0 ? p.slice(0, eq) : p;
      const rawValue = eq >= 0 ? p.slice(eq + 1) : undefined;
      // uri-parameter: pname = 1*paramchar, pvalue = 1*paramchar (§25.1)
      if (!rawName || !PARAM_CHARS.test(rawName)) bad('bad URI parameter');
      if (rawValue !== undefined && (!rawValue || !PARAM_CHARS.test(rawValue))) bad('bad URI parameter value');
      params.set(unescapeUri(rawName).toLowerCase(), rawValue === undefined ? null : unescapeUri(rawValue));
    }
  }

  const headers: Array<[string, string]> = [];
  if (headersText !== undefined) {
    for (const h of headersText.split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) bad('bad URI header');
      const name = h.slice(0, eq);
      const value = h.slice(eq + 1);
      if (!HEADER_CHARS.test(name) || !HEADER_CHARS.test(value)) bad('bad URI header');
      headers.push([unescapeUri(name), unescapeUri(value)]);
    }
  }
  return { scheme, user, password, host, port, params, headers };
}

/**
 * Any absolute URI: SIP/SIPS are parsed, other schemes are kept opaque
 * after a syntax check of the scheme (§25.1 absoluteURI).
 */
export function parseUri(text: string): Uri {
  const m = SCHEME_RE.exec(text);
  if (!m) bad(`no scheme in ${JSON.stringify(text.slice(0, 80))}`);
  const scheme = (m[1] as string).toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(text);
  if (text.length === m[0].length || hasSpaceOrControl(text) || /[<>"]/.test(text)) bad(`bad ${scheme} URI`);
  return { scheme, text };
}

export function formatSipUri(u: SipUri): string {
  let s = `${u.scheme}:`;
  if (u.user !== undefined) {
    s += escapeUri(u.user, 'user');
    if (u.password !== undefined) s += `:${escapeUri(u.password, 'password')}`;
    s += '@';
  }
  s += u.host;
  if (u.port !== undefined) s += `:${u.port}`;
  for (const [name, value] of u.params) {
    s += `;${escapeUri(name, 'param')}`;
    if (value !== null) s += `=${escapeUri(value, 'param')}`;
  }
  if (u.headers.length) s += `?${u.headers.map(([n, v]) => `${escapeUri(n, 'header')}=${escapeUri(v, 'header')}`).join('&')}`;
  return s;
}

export function formatUri(u: Uri): string {
  return isSipUri(u) ? formatSipUri(u) : u.text;
}

/** A SIP URI with the given parts and nothing else, for building messages. */
export function makeSipUri(host: string, opts: Partial<Omit<SipUri, 'host'>> = {}): SipUri {
  return { scheme: 'sip', params: new Map(), headers: [], ...opts, host };
}

/** The (unescaped) user part of a SIP URI given as text; undefined when it has none or does not parse. */
export function userPartOf(text: string): string | undefined {
  try {
    return parseSipUri(text).user;
  } catch {
    return undefined;
  }
}
