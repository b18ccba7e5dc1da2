/**
 * The one error type of the message layer. Its `reason` is short on
 * purpose: a UAS puts it straight into the reason phrase of the 400 it
 * answers with (RFC 3261 §8.2 lets the UAS explain the fault there), so it
 * must stay printable and free of the offending bytes.
 */
export interface SipParseErrorOptions {
  /** Status a UAS should answer with: 400, or 505 for an unknown SIP version (RFC 3261 §21.5.6, RFC 4475 §3.1.2.16). */
  status?: number;
  /** Longer text for logs; may quote the offending input. */
  detail?: string;
}

export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  readonly reason: string;
  readonly status: number;
  readonly detail: string | undefined;

  constructor(reason: string, opts: SipParseErrorOptions = {}) {
    super(opts.detail ? `${reason}: ${opts.detail}` : reason);
    this.reason = reason;
    this.status = opts.status ?? 400;
    this.detail = opts.detail;
  }
}

/** Re-throws a parse error of a header value under the header's name, keeping the detail. */
export function rethrowAs(reason: string, e: unknown): never {
  if (e instanceof SipParseError) throw new SipParseError(reason, { detail: e.detail ?? e.reason, status: e.status });
  throw e;
}
