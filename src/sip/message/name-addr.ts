/**
 * name-addr / addr-spec with header parameters: the value of From, To,
 * Contact, Route, Record-Route, Reply-To (RFC 3261 §20.10, §25.1).
 */
import { SipParseError } from './errors.js';
import { isTokenChar, isWsp, quote, Scanner, trimLws, unquote } from './grammar.js';
import { formatHeaderParams, readHeaderParams } from './header-params.js';
import { formatUri, parseUri, type Params, type Uri } from './uri.js';

export interface NameAddr {
  /** Unquoted and unescaped; undefined when there is none. */
  displayName?: string | undefined;
  uri: Uri;
  /** Header parameters (`tag`, `expires`, `q`, ...), names lower-cased, values as written. */
  params: Params;
}

/**
 * Parses one name-addr or addr-spec with its parameters. Throws
 * SipParseError('Bad address'); the message parser re-labels it with the
 * header name.
 */
export function parseNameAddr(value: string): NameAddr {
  const s = new Scanner(value, 'Bad address');
  s.skipWs();
  let displayName: string | undefined;
  let uriText: string;
  let angle = false;

  if (s.peek() === '"') {
    displayName = unquote(s.quotedString());
    s.skipWs();
    if (s.peek() !== '<') s.fail('display name not followed by <');
    angle = true;
  } else {
    // display-name = *(token LWS): read tokens and see whether a '<' follows.
    // Positions only: the words are collected once a '<' shows they are a display name.
    const start = s.pos;
    let end = start;
    for (;;) {
      const from = s.pos;
      s.takeWhile(isTokenChar);
      if (s.pos === from) break;
      end = s.pos;
      if (!isWsp(s.peek())) break;
      s.skipWs();
    }
    if (s.peek() === '<') {
      angle = true;
      if (end > start) displayName = value.slice(start, end).split(/[ \t]+/).join(' ');
    } else s.pos = start;
  }

  if (angle) {
    s.expect('<');
    const close = value.indexOf('>', s.pos);
    if (close < 0) s.fail('missing >');
    // RFC 4475 §3.1.2.14 lets a receiver ignore spaces inside <>; we do.
    uriText = trimLws(value.slice(s.pos, close));
    s.pos = close + 1;
  } else {
    // addr-spec: with no brackets, ';' starts header parameters, and a URI
    // holding ',', '?' or ';' had to be bracketed (§20.10, §20; RFC 4475 §3.1.2.13).
    const start = s.pos;
    s.takeWhile((c) => c !== ';' && !isWsp(c));
    uriText = value.slice(start, s.pos);
    if (/[,?]/.test(uriText)) s.fail('URI with , or ? must be in <>');
  }
  if (!uriText) s.fail('empty URI');
  const uri = parseUri(uriText);
  const params = readHeaderParams(s);
  s.skipWs();
  if (!s.done) s.fail(`unexpected ${JSON.stringify(s.peek())}`);
  return { displayName, uri, params };
}

const TOKEN_WORDS = /^[A-Za-z0-9\-.!%*_+`'~]+(?: [A-Za-z0-9\-.!%*_+`'~]+)*$/;

export function formatNameAddr(na: NameAddr): string {
  let s = '';
  if (na.displayName !== undefined && na.displayName !== '') {
    s += TOKEN_WORDS.test(na.displayName) ? na.displayName : quote(na.displayName);
    s += ' ';
  }
  // Always bracketed: required when the URI has ',', ';' or '?' (§20.10), harmless otherwise.
  return `${s}<${formatUri(na.uri)}>${formatHeaderParams(na.params)}`;
}

/** `Contact: *`, allowed only in REGISTER to remove all bindings (§10.2.2). */
export function isWildcardContact(value: string): boolean {
  return trimLws(value) === '*';
}

/** The `tag` parameter of From or To, or undefined (§19.3). */
export function tagOf(na: NameAddr): string | undefined {
  return na.params.get('tag') ?? undefined;
}

/** The `q` parameter of a Contact as a number in [0, 1] (§20.10 qvalue), or undefined. */
export function qOf(na: NameAddr): number | undefined {
  const q = na.params.get('q');
  if (q === undefined || q === null) return undefined;
  if (!/^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/.test(q)) throw new SipParseError('Bad q parameter', { detail: q });
  return Number(q);
}

/** The addr-spec of a name-addr as text, without display name or header parameters (whom a From or To names). */
export function addrSpecOf(na: NameAddr): string {
  return formatUri(na.uri);
}
