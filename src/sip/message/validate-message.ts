/**
 * The checks every received message must pass before the layers above see
 * it: the mandatory header fields of §8.1.1 present once and readable,
 * and the CSeq method equal to the request method (§8.1.1.5, RFC 4475
 * §3.1.2.17). Max-Forwards may be missing: RFC 2543 peers omit it and
 * RFC 4475 §3.4.1 asks us to accept them.
 */
import { parseCSeq } from './cseq.js';
import { rethrowAs, SipParseError } from './errors.js';
import { hasSpaceOrControl } from './grammar.js';
import type { SipHeaders } from './headers.js';
import type { SipMessage } from './message.js';
import { isWildcardContact, parseNameAddr } from './name-addr.js';
import { parseMaxForwards } from './scalars.js';
import { parseVia } from './via.js';

function single(h: SipHeaders, name: string): string {
  const values = h.getAll(name);
  if (values.length === 0) throw new SipParseError(`Missing ${name}`);
  // Fields that are not lists must appear once (§7.3.1; RFC 4475 §3.3.8).
  if (values.length > 1) throw new SipParseError(`Multiple ${name} headers`);
  return values[0] as string;
}

function check(name: string, parse: () => unknown): void {
  try {
    parse();
  } catch (e) {
    rethrowAs(`Bad ${name} header`, e);
  }
}

export function validateMessage(msg: SipMessage): void {
  const h = msg.headers;
  const callId = single(h, 'Call-ID');
  // Call-ID = word ["@" word] (§25.1). Only emptiness, whitespace and control
  // characters are refused: real peers put '=' and other non-word
  // characters in Call-IDs, and matching treats it as an opaque string.
  if (!callId || hasSpaceOrControl(callId)) throw new SipParseError('Bad Call-ID header');

  const cseqText = single(h, 'CSeq');
  let cseqMethod = '';
  check('CSeq', () => (cseqMethod = parseCSeq(cseqText).method));
  if (msg.kind === 'request' && cseqMethod !== msg.method) {
    // RFC 4475 §3.1.2.18: a mismatch is a 400 even for an unknown method, never a 501.
    throw new SipParseError('CSeq method does not match request method', { detail: `${msg.method} vs ${cseqMethod}` });
  }

  const from = single(h, 'From');
  check('From', () => parseNameAddr(from));
  const to = single(h, 'To');
  check('To', () => parseNameAddr(to));

  const vias = h.getAll('Via');
  if (vias.length === 0) throw new SipParseError('Missing Via');
  for (const v of vias) check('Via', () => parseVia(v));

  if (msg.kind === 'request') {
    const mf = h.getAll('Max-Forwards');
    if (mf.length > 1) throw new SipParseError('Multiple Max-Forwards headers');
    if (mf[0] !== undefined) check('Max-Forwards', () => parseMaxForwards(mf[0] as string));
  }

  // Headers the dialog layer will read (§12.1): refuse them now rather
  // than fail half-way through building a dialog.
  for (const c of h.getAll('Contact')) if (!isWildcardContact(c)) check('Contact', () => parseNameAddr(c));
  for (const name of ['Route', 'Record-Route']) for (const v of h.getAll(name)) check(name, () => parseNameAddr(v));
}
