/** Building a response to a request (RFC 3261 §8.2.6, §12.1.1). */
import { randomBytes } from 'node:crypto';
import { SipHeaders } from './headers.js';
import { SipResponse, type SipRequest } from './message.js';
import { formatNameAddr, parseNameAddr } from './name-addr.js';
import { reasonPhrase } from './reason-phrases.js';

/** Methods whose 18x/2xx can create a dialog (§12.1; RFC 6665 §4.1 for SUBSCRIBE/NOTIFY, RFC 3515 REFER). */
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export interface ResponseOptions {
  /**
   * Tag to put in To when the request had none. All responses of one
   * transaction (and the dialog) must use the same tag, so the caller
   * keeps it; a random one is made when omitted (§19.3: ≥ 32 random bits).
   */
  toTag?: string | undefined;
  /** Further header fields, appended after the copied ones. */
  headers?: ReadonlyArray<readonly [string, string]> | undefined;
  body?: Buffer | undefined;
  /** Content-Type of `body`. */
  contentType?: string | undefined;
}

export function newTag(): string {
  return randomBytes(8).toString('hex');
}

/**
 * A response that copies, as §8.2.6.2 requires, every Via (in order),
 * From, Call-ID, CSeq and To, adding a To tag to responses other than
 * 100 when the request had none; Timestamp for 100 (§8.2.6.1); and
 * Record-Route for 101-299 to a dialog-creating request (§12.1.1).
 * Values are copied as text, so this works on requests that failed
 * validation too (a 400 must echo what it got).
 */
export function createResponse(request: SipRequest, status: number, reason?: string, opts: ResponseOptions = {}): SipResponse {
  const src = request.headers;
  const h = new SipHeaders();
  for (const v of src.getAll('Via')) h.append('Via', v);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) for (const v of src.getAll(name)) h.append(name, v);

  const to = src.get('To');
  if (status > 100 && to !== undefined && src.count('To') === 1) {
    try {
      const na = parseNameAddr(to);
      if (!na.params.has('tag')) {
        na.params.set('tag', opts.toTag ?? newTag());
        h.set('To', formatNameAddr(na));
      }
    } catch {
      // An unreadable To is echoed untouched; the 400 says why.
    }
  }
  if (status === 100) for (const v of src.getAll('Timestamp')) h.append('Timestamp', v);
  if (status > 100 && status < 300 && DIALOG_CREATING.has(request.method)) {
    for (const v of src.getAll('Record-Route')) h.append('Record-Route', v);
  }
  for (const [n, v] of opts.headers ?? []) h.append(n, v);
  if (opts.body && opts.contentType) h.set('Content-Type', opts.contentType);
  return new SipResponse(status, sanitiseReason(reason ?? reasonPhrase(status)), h, opts.body);
}

/** A reason phrase is one line of text (§25.1 Reason-Phrase). */
function sanitiseReason(reason: string): string {
  let out = '';
  for (const ch of reason) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f ? ' ' : ch;
  }
  return out.replace(/ {2,}/g, ' ').replace(/^ | $/g, '');
}
