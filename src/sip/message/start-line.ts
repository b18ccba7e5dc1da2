/** Request-Line and Status-Line (RFC 3261 §7.1, §7.2). */
import { SipParseError } from './errors.js';
import { isToken } from './grammar.js';
import { SIP_VERSION } from './message.js';
import { isSipUri, parseUri } from './uri.js';

export type StartLine =
  | { kind: 'request'; method: string; uri: string; version: string; problem?: SipParseError | undefined }
  | { kind: 'response'; status: number; reason: string };

/**
 * Reads the start-line. A request line whose method is readable comes back
 * with `problem` set rather than thrown, so a 400 or 505 can still be sent
 * (RFC 4475 §3.1.2.8, §3.1.2.16); anything else unreadable throws.
 */
export function parseStartLine(line: string): StartLine {
  if (/^SIP\//i.test(line)) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase; the reason
    // may be empty (RFC 4475 §3.1.1.13) and may be UTF-8 (§3.1.1.12).
    const m = /^(SIP\/[0-9]+\.[0-9]+) ([0-9]{3})(?: (.*))?$/i.exec(line);
    if (!m || (m[1] as string).toUpperCase() !== SIP_VERSION) throw new SipParseError('Bad Status-Line', { detail: line.slice(0, 80) });
    const status = Number(m[2]);
    // Status codes are 100..699 (§7.2, RFC 4475 §3.1.2.19).
    if (status < 100 || status > 699) throw new SipParseError('Bad Status-Line', { detail: `status ${status}` });
    return { kind: 'response', status, reason: m[3] ?? '' };
  }

  // Runs of SP are tolerated between and after the three elements:
  // RFC 4475 §3.1.2.9 and §3.1.2.10 allow that leniency. Embedded LWS in
  // the URI still leaves four or more parts and is refused (§3.1.2.8).
  const parts = line.split(' ').filter((p) => p !== '');
  const method = parts[0] ?? '';
  if (!isToken(method)) throw new SipParseError('Bad Request-Line', { detail: line.slice(0, 80) });
  const uri = parts[1] ?? '';
  const version = parts[2] ?? '';
  const problem = checkRequestLine(parts, uri, version);
  return { kind: 'request', method, uri, version, problem };
}

function checkRequestLine(parts: string[], uri: string, version: string): SipParseError | undefined {
  if (parts.length !== 3 || !/^SIP\/[0-9]+\.[0-9]+$/i.test(version)) return new SipParseError('Bad Request-Line');
  // An unknown version is answered 505 (RFC 4475 §3.1.2.16).
  if (version.toUpperCase() !== SIP_VERSION) return new SipParseError('Version Not Supported', { status: 505, detail: version });
  try {
    const u = parseUri(uri);
    // Headers are not allowed in a Request-URI (§19.1.1 table; RFC 4475
    // §3.1.2.11 permits a 400 for them).
    if (isSipUri(u) && u.headers.length) return new SipParseError('Bad Request-URI', { detail: 'URI headers in Request-URI' });
  } catch (e) {
    // Includes `<sip:...>` (RFC 4475 §3.1.2.7): the brackets make it no URI.
    if (e instanceof SipParseError) return new SipParseError('Bad Request-URI', { detail: e.detail });
    throw e;
  }
  return undefined;
}
