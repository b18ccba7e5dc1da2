/**
 * One Via field value (RFC 3261 §20.42, grammar §25.1; rport RFC 3581 §3).
 * SLASH and COLON are SWS "/" SWS and SWS ":" SWS, so the sent-protocol may
 * be spread over folded lines (RFC 4475 §3.1.1.1).
 */
import { SipParseError } from './errors.js';
import { Scanner } from './grammar.js';
import { formatHeaderParams, readHeaderParams } from './header-params.js';
import { isValidHost, parsePort, type Params } from './uri.js';

export interface Via {
  /** `SIP` */
  protocol: string;
  /** `2.0` */
  version: string;
  /** Upper-cased: UDP, TCP, TLS, SCTP, WS, WSS or any other token (§20.42 other-transport). */
  transport: string;
  /** sent-by host as written; IPv6 keeps its brackets. */
  host: string;
  port?: number | undefined;
  /** branch, received, rport (null when valueless), maddr, ttl, others; names lower-cased. */
  params: Params;
}

/** The RFC 3261 branch prefix that marks a transaction id (§8.1.1.7). */
export const BRANCH_MAGIC = 'z9hG4bK';

const isHostChar = (c: string): boolean => /^[A-Za-z0-9\-._]$/.test(c);

export function parseVia(value: string): Via {
  const s = new Scanner(value, 'Bad Via header');
  s.skipWs();
  const protocol = s.token();
  s.skipWs();
  s.expect('/');
  s.skipWs();
  const version = s.token();
  s.skipWs();
  s.expect('/');
  s.skipWs();
  const transport = s.token().toUpperCase();
  s.skipWs();

  let host: string;
  let port: number | undefined;
  if (s.peek() === '[') {
    const close = value.indexOf(']', s.pos);
    if (close < 0) s.fail('unterminated IPv6 reference');
    host = value.slice(s.pos, close + 1);
    s.pos = close + 1;
  } else host = s.takeWhile(isHostChar);
  if (!isValidHost(host)) s.fail(`bad sent-by host ${JSON.stringify(host)}`);
  s.skipWs();
  if (s.tryConsume(':')) {
    s.skipWs();
    port = portOf(s.takeWhile((c) => /[0-9]/.test(c)));
  }
  const params = readHeaderParams(s);
  s.skipWs();
  if (!s.done) s.fail(`unexpected ${JSON.stringify(s.peek())}`);

  const ttl = params.get('ttl');
  if (ttl !== undefined && (ttl === null || !/^[0-9]{1,3}$/.test(ttl) || Number(ttl) > 255)) s.fail('bad ttl');
  const maddr = params.get('maddr');
  if (maddr !== undefined && (maddr === null || !isValidHost(maddr))) s.fail('bad maddr');
  const received = params.get('received');
  // received = IPv4address / IPv6address (§25.1); RFC 5118 §4.5 shows IPv6 without brackets, so both pass.
  if (received !== undefined && (received === null || !/^(?:[0-9.]+|\[?[0-9A-Fa-f:.]+\]?)$/.test(received))) s.fail('bad received');
  const rport = params.get('rport');
  if (rport !== undefined && rport !== null) portOf(rport);
  if (params.get('branch') === null) s.fail('branch without value');
  return { protocol, version, transport, host, port, params };

  function portOf(text: string): number {
    try {
      return parsePort(text);
    } catch {
      throw new SipParseError('Bad Via header', { detail: `bad port ${JSON.stringify(text)}` });
    }
  }
}

export function formatVia(v: Via): string {
  const port = v.port === undefined ? '' : `:${v.port}`;
  return `${v.protocol}/${v.version}/${v.transport} ${v.host}${port}${formatHeaderParams(v.params)}`;
}

export function branchOf(v: Via): string | undefined {
  return v.params.get('branch') ?? undefined;
}

/**
 * True when the branch is an RFC 3261 transaction id: the magic cookie
 * followed by something. A bare `z9hG4bK` claims the RFC 3261 scheme but
 * identifies nothing (RFC 4475 §3.2.1); the transaction layer should fall
 * back to RFC 2543 matching (§17.2.3) or reject it.
 */
export function hasRfc3261Branch(v: Via): boolean {
  const b = branchOf(v);
  return b !== undefined && b.startsWith(BRANCH_MAGIC) && b.length > BRANCH_MAGIC.length;
}
