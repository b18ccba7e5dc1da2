/**
 * Header parameters: `*( SEMI generic-param )` with
 * generic-param = token [ EQUAL gen-value ], gen-value = token / host /
 * quoted-string (RFC 3261 §25.1). SEMI and EQUAL allow whitespace around
 * them (RFC 4475 §3.1.1.1 leans on that).
 */
import { isTokenChar, type Scanner } from './grammar.js';
import type { Params } from './uri.js';

// token characters plus what a host adds: ':' and brackets of IPv6 references.
const isValueChar = (c: string): boolean => isTokenChar(c) || c === ':' || c === '[' || c === ']';

/**
 * Reads parameters until the end of the value or a character that cannot
 * start one. Names are lower-cased (§7.3.1); values are kept as written,
 * quoted strings with their quotes, so they serialise back unchanged.
 */
export function readHeaderParams(s: Scanner): Params {
  const params: Params = new Map();
  for (;;) {
    s.skipWs();
    if (!s.tryConsume(';')) return params;
    s.skipWs();
    const name = s.token().toLowerCase();
    s.skipWs();
    let value: string | null = null;
    if (s.tryConsume('=')) {
      s.skipWs();
      value = s.peek() === '"' ? s.quotedString() : s.takeWhile(isValueChar);
      if (!value) s.fail(`parameter ${name} has an empty value`);
    }
    params.set(name, value);
  }
}

export function formatHeaderParams(params: Params): string {
  let s = '';
  for (const [name, value] of params) s += value === null ? `;${name}` : `;${name}=${value}`;
  return s;
}
