/**
 * Building requests, the message-layer half of a UAC: the mandatory
 * header fields of an out-of-dialog request (RFC 3261 §8.1.1), the CANCEL
 * and failure ACK that copy their INVITE (§9.1, §17.1.1.3), and the
 * random identifiers every request needs (Call-ID §8.1.1.4, tag §19.3,
 * branch §8.1.1.7).
 */
import { randomBytes } from 'node:crypto';
import { BRANCH_MAGIC } from './via.js';
import { SipHeaders } from './headers.js';
import { SipRequest } from './message.js';

/** §8.1.1.7: the magic cookie, then enough randomness to be unique in space and time. */
export const newBranch = (): string => BRANCH_MAGIC + randomBytes(8).toString('hex');
/** §8.1.1.4: a Call-ID nobody else will pick. */
export const newCallId = (): string => randomBytes(12).toString('hex');
/** §19.3: a From tag (ours, for requests we start), with at least 32 bits of randomness. */
export const newFromTag = (): string => randomBytes(6).toString('hex');

/** Builds an out-of-dialog request: §8.1.1's mandatory header fields. */
export function buildRequest(
  method: string,
  uri: string,
  o: { from: string; to: string; callId?: string; cseq: number; contact?: string; headers?: Array<[string, string]>; body?: Buffer; contentType?: string },
): SipRequest {
  const h = new SipHeaders();
  h.set('From', o.from);
  h.set('To', o.to);
  h.set('Call-ID', o.callId ?? newCallId());
  h.set('CSeq', `${o.cseq} ${method}`);
  if (o.contact) h.set('Contact', o.contact);
  for (const [n, v] of o.headers ?? []) h.append(n, v);
  if (o.body && o.contentType) h.set('Content-Type', o.contentType);
  return new SipRequest(method, uri, h, o.body);
}

/**
 * CANCEL (§9.1) and the ACK for a 3xx-6xx (§17.1.1.3) copy the INVITE's
 * Request-URI, top Via (same branch), Route, From, Call-ID and CSeq number.
 */
export function sameTransactionRequest(method: 'ACK' | 'CANCEL', invite: SipRequest, to: string): SipRequest {
  const h = new SipHeaders();
  h.set('Via', invite.headers.getAll('Via')[0]!);
  for (const r of invite.headers.getAll('Route')) h.append('Route', r);
  h.set('From', invite.headers.get('From')!);
  h.set('To', to);
  h.set('Call-ID', invite.callId);
  h.set('CSeq', `${invite.cseq.seq} ${method}`);
  h.set('Max-Forwards', '70');
  return new SipRequest(method, invite.uri, h);
}

/** A To tag for responses to a request that has none (one per server transaction). */
export function newTagFor(req: SipRequest): string | undefined {
  try {
    return req.to.params.get('tag') ?? newFromTag();
  } catch {
    return undefined;
  }
}
