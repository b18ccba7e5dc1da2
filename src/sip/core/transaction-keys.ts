/**
 * Transaction matching (RFC 3261 §17.1.3 and §17.2.3). A response matches
 * the client transaction with its top Via branch and CSeq method. A
 * request matches a server transaction by branch, sent-by and method (ACK
 * counting as INVITE); requests from RFC 2543 peers, whose branch lacks the
 * magic cookie, fall back to Call-ID, From tag, CSeq number and top Via.
 */
import { BRANCH_MAGIC, tagOf, type SipRequest, type SipResponse } from '../message/index.js';

export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

export function clientKeyOfResponse(res: SipResponse): string | undefined {
  const branch = res.topVia.params.get('branch');
  return branch ? clientKey(branch, res.cseq.method) : undefined;
}

export function serverKey(req: SipRequest, method = req.method === 'ACK' ? 'INVITE' : req.method): string {
  const via = req.topVia;
  const branch = via.params.get('branch') ?? '';
  const sentBy = `${via.host}:${via.port ?? ''}`;
  if (branch.startsWith(BRANCH_MAGIC)) return `${branch}|${sentBy}|${method}`;
  // §17.2.3, RFC 2543 compatibility.
  return `2543|${req.callId}|${tagOf(req.from) ?? ''}|${req.cseq.seq}|${req.headers.get('Via')}|${method}`;
}
