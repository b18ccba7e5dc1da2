/**
 * What to do with a message that failed to parse (SPEC §4: malformed
 * requests get 400 with a reason when a reply is possible, else are
 * dropped; responses are always dropped, §18.1.2 / RFC 4475 §3.1.2.5).
 */
import type { SipParseError } from './errors.js';
import type { SipRequest, SipResponse } from './message.js';
import { createResponse } from './response.js';
import { parseVia } from './via.js';

/**
 * True when a response to `request` could reach its sender: it is not an
 * ACK (ACK never gets a response, §17) and the sent-protocol and sent-by
 * of its topmost Via are readable, since responses are routed by them
 * (§18.2.2). Broken Via parameters alone do not stop the 400 that
 * RFC 4475 §3.1.2.1 asks for, nor do missing To, From or Call-ID (§3.3.1).
 */
export function canReplyTo(request: SipRequest): boolean {
  if (request.method === 'ACK') return false;
  const top = request.headers.get('Via');
  if (top === undefined) return false;
  const semi = top.indexOf(';');
  try {
    parseVia(semi >= 0 ? top.slice(0, semi) : top);
    return true;
  } catch {
    return false;
  }
}

/** The 400 (or 505) for a parse error, or undefined when it must be dropped. */
export function createErrorResponse(error: SipParseError, request: SipRequest | undefined, toTag?: string): SipResponse | undefined {
  if (!request || !canReplyTo(request)) return undefined;
  return createResponse(request, error.status, error.reason, { toTag });
}
